namespace OrleansCheckpoint.Azurite;

/// <summary>How <see cref="AzuriteProcess.StartAsync"/> finds, installs and starts Azurite.</summary>
public sealed record AzuriteStartOptions
{
    /// <summary>
    /// The folder whose <c>package.json</c> pins Azurite. Default <see langword="null"/>: walk up from
    /// <see cref="AppContext.BaseDirectory"/>, then from the current directory, to the first folder
    /// holding a <c>package.json</c> that mentions "azurite".
    /// </summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>
    /// Keep all data in memory (<c>--inMemoryPersistence</c>, which Azurite does not combine with
    /// <c>--location</c>) instead of on disk under <see cref="AzuriteProcess.Location"/>.
    /// Default <see langword="false"/>.
    /// </summary>
    public bool InMemory { get; init; }

    /// <summary>How long to wait for Azurite's ports to accept connections. Default 30 seconds.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Hears what is being done before each step that may take a while (installing, starting), for people. Default none.</summary>
    public Action<string>? Progress { get; init; }
}
