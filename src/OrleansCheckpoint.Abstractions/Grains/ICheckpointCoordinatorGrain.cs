using Orleans.Concurrency;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>
/// The checkpoint coordinator of a job (key: the job's name; the same grain as its <see cref="IJobManagerGrain"/>).
/// It triggers checkpoints on a timer, collects the instances' acknowledgements, completes or aborts them,
/// and keeps their statistics.
/// </summary>
public interface ICheckpointCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>An instance's snapshot for a checkpoint is durable.</summary>
    Task AcknowledgeCheckpointAsync(long generation, SnapshotHandle handle);

    /// <summary>
    /// An instance could not take its snapshot for a checkpoint (for example, a storage write failed), or, with
    /// <paramref name="superseded"/>, gave up aligning it because a newer checkpoint's barrier overtook it (at-least-once
    /// mode with several checkpoints in flight): that aborts the checkpoint too, but is not a failure.
    /// </summary>
    Task DeclineCheckpointAsync(long generation, TaskId task, long checkpointId, string reason, bool superseded = false);

    /// <summary>Triggers a checkpoint now (outside the interval); returns its id, or <c>null</c> if one cannot start now.</summary>
    Task<long?> TriggerCheckpointAsync();

    /// <summary>The statistics of recent checkpoints, newest first (in progress, completed and aborted).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<CheckpointStats>> GetCheckpointsAsync();

    /// <summary>How many checkpoints were triggered, are in progress, completed, failed and restored.</summary>
    [AlwaysInterleave]
    Task<CheckpointCounts> GetCheckpointCountsAsync();
}
