using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Client;

/// <summary>
/// An application's handle on an OrleansCheckpoint cluster: operate jobs (start, stop, status, metrics, query, checkpoints,
/// savepoints) and push events with <see cref="CreateProducer"/>. Either it connects by itself
/// (<see cref="ConnectAsync"/>: gateway list or membership discovery, as <c>client --gateway</c> /
/// <c>--membership-storage</c>), or it wraps the <see cref="IClusterClient"/> of an application that hosts its own Orleans
/// client (<c>services.AddOrleansCheckpointClient()</c>). Every method is a grain call; errors are the job's own
/// (<c>JobNotFoundException</c>, <c>JobNotRunningException</c>, … in <c>OrleansCheckpoint.Errors</c>).
/// </summary>
public sealed class CheckpointClient : IAsyncDisposable
{
    private readonly IHost? _host;

    /// <summary>A client on the Orleans client <paramref name="cluster"/> of the application (which connects and disconnects it).</summary>
    public CheckpointClient(IClusterClient cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        Cluster = cluster;
    }

    private CheckpointClient(IHost host)
        : this(host.Services.GetRequiredService<IClusterClient>()) => _host = host;

    /// <summary>The Orleans client underneath, for grain calls of the application's own.</summary>
    public IClusterClient Cluster { get; }

    /// <summary>
    /// Connects to the cluster of <paramref name="settings"/> — through the gateways listed, or those its membership table
    /// lists. When the silo it talks to dies, calls move to another live gateway (a call in flight fails: retry it; a
    /// producer does). Fails within seconds with <see cref="ClusterUnreachableException"/> saying why. Dispose to disconnect.
    /// </summary>
    /// <param name="settings">Where the cluster is (<see cref="ConnectionSettings.ForGateways"/>, <see cref="ConnectionSettings.ForMembership"/>).</param>
    /// <param name="logging">The Orleans client's logging (none unless given).</param>
    /// <param name="cancellation">Gives up connecting.</param>
    public static async Task<CheckpointClient> ConnectAsync(ConnectionSettings settings, Action<ILoggingBuilder>? logging = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new CheckpointClient(await OrleansClientHost.ConnectAsync(settings, logging, cancellation));
    }

    /// <summary>The jobs registered in the cluster (the silos' <c>AddStreamJob</c>) with their status.</summary>
    public Task<IReadOnlyList<JobInfo>> ListJobsAsync() => Cluster.GetGrain<IJobCatalogGrain>(0).ListAsync();

    /// <summary>The status of <paramref name="job"/>.</summary>
    public Task<JobInfo> GetJobAsync(string job) => Manager(job).GetInfoAsync();

    /// <summary>Starts <paramref name="job"/> (a running job is left as it is), from its last restore point unless <paramref name="options"/> say otherwise.</summary>
    public Task<JobInfo> StartJobAsync(string job, JobStartOptions? options = null) => Manager(job).StartAsync(options ?? new JobStartOptions());

    /// <summary>Stops <paramref name="job"/>; with <paramref name="drain"/>, after its sources ended their input and every window was emitted.</summary>
    public Task<JobInfo> StopJobAsync(string job, bool drain = false) => Manager(job).StopAsync(drain);

    /// <summary>The counters of <paramref name="job"/>'s instances, summed.</summary>
    public Task<JobMetrics> GetMetricsAsync(string job) => Manager(job).GetMetricsAsync();

    /// <summary>The committed value of <paramref name="key"/> in <paramref name="job"/>'s result table (with <paramref name="live"/>: its current queryable state).</summary>
    public Task<QueryResult> QueryAsync(string job, string key, bool live = false) => Manager(job).QueryAsync(key, live);

    /// <summary>The statistics of <paramref name="job"/>'s recent checkpoints and savepoints, newest first.</summary>
    public Task<IReadOnlyList<CheckpointStats>> GetCheckpointsAsync(string job) => Cluster.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync();

    /// <summary>Triggers a checkpoint of <paramref name="job"/> now; its id, or <c>null</c> if none can start now.</summary>
    public Task<long?> TriggerCheckpointAsync(string job) => Cluster.GetGrain<ICheckpointCoordinatorGrain>(job).TriggerCheckpointAsync();

    /// <summary>
    /// Takes a savepoint of <paramref name="job"/> (with <paramref name="stop"/>, stops the job with it) and waits for it up
    /// to <paramref name="timeout"/>; its description, or <c>null</c> if it is still under way then.
    /// </summary>
    public async Task<SavepointInfo?> TakeSavepointAsync(string job, bool stop = false, TimeSpan? timeout = null)
    {
        var savepoints = Cluster.GetGrain<ISavepointGrain>(job);
        var id = await savepoints.TriggerSavepointAsync(stop);
        return await savepoints.WaitForSavepointAsync(id, timeout ?? TimeSpan.FromMinutes(1));
    }

    /// <summary>The savepoints of <paramref name="job"/> (kept until disposed).</summary>
    public Task<IReadOnlyList<SavepointInfo>> GetSavepointsAsync(string job) => Cluster.GetGrain<ISavepointGrain>(job).GetSavepointsAsync();

    /// <summary>
    /// A producer that pushes events to running jobs: batched, retried without duplicates, slowed down by a busy job. Dispose
    /// it (or <see cref="IEventProducer.FlushAsync"/>) to wait for what it buffered.
    /// </summary>
    public IEventProducer CreateProducer(EventProducerOptions? options = null) => new EventProducer(Cluster, options ?? new EventProducerOptions());

    /// <summary>Disconnects, if <see cref="ConnectAsync"/> connected this client (an application's own Orleans client is left alone).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await OrleansClientHost.StopAsync(_host);
        }
    }

    private IJobManagerGrain Manager(string job) => Cluster.GetGrain<IJobManagerGrain>(job);
}
