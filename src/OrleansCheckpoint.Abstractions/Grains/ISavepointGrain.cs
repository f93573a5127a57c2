using Orleans.Concurrency;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>
/// A job's savepoints (key: the job's name; the same grain as its <see cref="IJobManagerGrain"/>): take one, stop the job
/// with one, list and dispose of them. A savepoint is restored with <see cref="JobStartOptions.FromSnapshot"/>.
/// </summary>
public interface ISavepointGrain : IGrainWithStringKey
{
    /// <summary>
    /// Triggers a savepoint of the running job and returns its id at once; <see cref="WaitForSavepointAsync"/> tells when it
    /// is done. With <paramref name="stop"/> the sources take no more pushes, and once the savepoint completes the sinks
    /// commit up to it and the job stops (<c>client stop --savepoint</c>); if it fails, the job goes on.
    /// </summary>
    Task<long> TriggerSavepointAsync(bool stop = false);

    /// <summary>
    /// Waits up to <paramref name="wait"/> for savepoint <paramref name="id"/>: its description once it completed (for a
    /// stop, once the job stopped), null while it is still under way; a savepoint that failed answers its reason.
    /// </summary>
    [AlwaysInterleave]
    Task<SavepointInfo?> WaitForSavepointAsync(long id, TimeSpan wait);

    /// <summary>The job's savepoints, newest first.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<SavepointInfo>> GetSavepointsAsync();

    /// <summary>Deletes savepoint <paramref name="id"/> from storage (refused while the running job may need it to recover).</summary>
    Task DisposeSavepointAsync(long id);
}
