using Orleans.Concurrency;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>
/// The checkpoint coordinator of a job (key: the job's name; the same grain as its <see cref="IJobManagerGrain"/>).
/// It triggers checkpoints on a timer, collects the instances' acknowledgements (internal to the silos), completes or
/// aborts them, and keeps their statistics.
/// </summary>
public interface ICheckpointCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Triggers a checkpoint now (outside the interval); returns its id, or <c>null</c> if one cannot start now.</summary>
    Task<long?> TriggerCheckpointAsync();

    /// <summary>The statistics of recent checkpoints, newest first (in progress, completed and aborted).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<CheckpointStats>> GetCheckpointsAsync();

    /// <summary>How many checkpoints were triggered, are in progress, completed, failed and restored.</summary>
    [AlwaysInterleave]
    Task<CheckpointCounts> GetCheckpointCountsAsync();
}
