using OrleansCheckpoint.Azurite;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// One Azurite for the whole test run: the one named by <c>AZURITE_CONN</c> (CI starts it once),
/// else a private <see cref="AzuriteProcess"/> that is stopped when the run ends.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _process;

    /// <summary>Connection string of the development account on the shared Azurite.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var existing = AzuriteProcess.ExistingConnectionStringFromEnvironment();
        if (existing is not null)
        {
            ConnectionString = existing;
            return;
        }

        _process = await AzuriteProcess.StartAsync();
        ConnectionString = _process.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
    }
}

/// <summary>Test classes marked <c>[Collection(AzuriteCollection.Name)]</c> share one <see cref="AzuriteFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
