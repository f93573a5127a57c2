namespace OrleansCheckpoint.Cli.Connection;

/// <summary>A cluster client that a command uses until it disposes the connection.</summary>
internal interface IClusterConnection : IAsyncDisposable
{
    IClusterClient Client { get; }
}

/// <summary>How connected commands get their cluster client (<see cref="ClusterConnection.ConnectAsync"/>, unless a test says otherwise).</summary>
internal delegate Task<IClusterConnection> ClusterConnector(ConnectionSettings settings, CancellationToken cancellation);

/// <summary>
/// The library's <see cref="CheckpointClient"/> as the commands use it: connected as <c>--gateway</c> or
/// <c>--membership-storage</c> say, logging warnings to stderr (stdout is the command's).
/// </summary>
internal sealed class ClusterConnection : IClusterConnection
{
    private readonly CheckpointClient _client;

    private ClusterConnection(CheckpointClient client) => _client = client;

    /// <summary>Connects to the gateway of <c>--gateway</c>, as the client's commands do.</summary>
    public static ClusterConnector Connector { get; } = async (settings, cancellation) => await ConnectAsync(settings, cancellation);

    public IClusterClient Client => _client.Cluster;

    public static async Task<ClusterConnection> ConnectAsync(ConnectionSettings settings, CancellationToken cancellation) =>
        new(await CheckpointClient.ConnectAsync(settings, logging => logging.AddClientConsoleLogging(), cancellation));

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
