using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>What a job's instances tell its checkpoint coordinator (the same grain as <see cref="ICheckpointCoordinatorGrain"/>): the runtime's own protocol.</summary>
internal interface ICheckpointCoordinatorGateway : IGrainWithStringKey
{
    /// <summary>An instance's snapshot for a checkpoint is durable.</summary>
    Task AcknowledgeCheckpointAsync(long generation, SnapshotHandle handle);

    /// <summary>
    /// An instance could not take its snapshot for a checkpoint (for example, a storage write failed), or, with
    /// <paramref name="superseded"/>, gave up aligning it because a newer checkpoint's barrier overtook it (at-least-once
    /// mode with several checkpoints in flight): that aborts the checkpoint too, but is not a failure.
    /// </summary>
    Task DeclineCheckpointAsync(long generation, TaskId task, long checkpointId, string reason, bool superseded = false);
}
