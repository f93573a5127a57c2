using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>
/// Reads a job's checkpoints and savepoints straight from storage (key: the job's name), whether the job runs or not:
/// nothing is written, and no instance of the job is involved. The key and value types come from the job's graph as the
/// silo registers it. An unknown job answers <see cref="Errors.JobNotFoundException"/>; an id the job has no snapshot
/// of, or a snapshot that is missing or corrupt, a <see cref="Errors.StreamJobException"/> that names it.
/// </summary>
public interface ISnapshotInspectorGrain : IGrainWithStringKey
{
    /// <summary>The operators, instances, key groups and sizes of checkpoint (or savepoint) <paramref name="snapshotId"/>.</summary>
    Task<SnapshotSummary> SummarizeAsync(long snapshotId);

    /// <summary>
    /// The keyed state of operator <paramref name="operatorUid"/> in snapshot <paramref name="snapshotId"/>, instance by
    /// instance (window accumulators and pending timers included); only the entries of <paramref name="key"/> (text, as
    /// <c>client query</c> takes it) unless it is null. Streamed: one instance's state is in memory at a time.
    /// </summary>
    IAsyncEnumerable<StateEntry> ReadEntriesAsync(long snapshotId, string operatorUid, string? key = null, CancellationToken cancellation = default);
}
