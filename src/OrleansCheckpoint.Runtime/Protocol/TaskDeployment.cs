namespace OrleansCheckpoint.Messages;

/// <summary>What an operator instance needs to run: the job's generation, the shape of its physical plan, and the state to start from.</summary>
/// <param name="Task">The instance.</param>
/// <param name="Generation">The job's generation.</param>
/// <param name="Parallelism">The job's default parallelism (operators without their own take it).</param>
/// <param name="MaxParallelism">The number of key groups, fixed when the job was first started.</param>
/// <param name="Restore">The instance's snapshot in the checkpoint the job restarts from, or <c>null</c> to start empty.</param>
/// <param name="Checkpointing">Whether the job takes checkpoints (without, sinks commit at once).</param>
/// <param name="LastCheckpointId">
/// The highest checkpoint id the job had used when this generation was deployed (newer than the restored one after a
/// fall-back): a sink numbers what it commits at the end of its input above it, so no commit reuses a used id.
/// </param>
/// <param name="Incremental">Whether checkpoints write only the keyed state changed since the instance's base (see <see cref="CheckpointSettings.Incremental"/>).</param>
/// <param name="ConsolidateAfter">The most pieces an instance's restore chain may hold (see <see cref="CheckpointSettings.ConsolidateAfter"/>).</param>
/// <param name="AlsoRestore">
/// Further snapshots the instance takes state from, besides <paramref name="Restore"/>: after a rescale, those of every
/// former instance whose key groups overlap its own (it keeps the entries of its key groups), or, when the job's chaining
/// changed, those of the instances that ran its other operators. State is matched to operators by uid.
/// </param>
/// <param name="RestoredParallelism">How many instances the instance's operators had when the restored snapshot was taken (0: none of them is in it).</param>
/// <param name="KeyedStateOnly">Of the snapshots restored, those the instance takes only keyed entries from (after a rescale, another instance takes the rest).</param>
/// <param name="LogStart">
/// A source instance that a rescale added (its ingest-log partition had no reader in the snapshot restored): where it
/// starts reading, the partition's end when the rescaled job started (what the partition held then was read before its
/// reader went; what came after is replayed by every recovery that restores the same snapshot).
/// </param>
[GenerateSerializer, Immutable]
internal sealed record TaskDeployment(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] long Generation,
    [property: Id(2)] int Parallelism,
    [property: Id(3)] int MaxParallelism,
    [property: Id(4)] SnapshotHandle? Restore = null,
    [property: Id(5)] bool Checkpointing = true,
    [property: Id(6)] long LastCheckpointId = 0,
    [property: Id(7)] bool Incremental = false,
    [property: Id(8)] int ConsolidateAfter = 10,
    [property: Id(9)] IReadOnlyList<SnapshotHandle>? AlsoRestore = null,
    [property: Id(10)] int RestoredParallelism = 0,
    [property: Id(11)] IReadOnlyList<TaskId>? KeyedStateOnly = null,
    [property: Id(12)] long? LogStart = null);

/// <summary>
/// How the sinks commit at the end of a drain: what completed checkpoints up to <paramref name="LastCompletedCheckpoint"/>
/// pre-committed is committed under their own ids, and everything after it in one final commit numbered
/// <paramref name="CheckpointId"/>. The job manager reserves the id when the drain starts and keeps it until the job
/// finishes, so a drain that starts over after a failure commits the same output under the same id (idempotent), not
/// a second copy.
/// </summary>
/// <param name="CheckpointId">The id of the final commit (reserved like a checkpoint's, never used by another).</param>
/// <param name="LastCompletedCheckpoint">The newest completed checkpoint when the drain started (0 if none).</param>
[GenerateSerializer, Immutable]
internal sealed record FinalCommit([property: Id(0)] long CheckpointId, [property: Id(1)] long LastCompletedCheckpoint);

/// <summary>What an operator instance says of itself when the job manager asks about a generation.</summary>
internal enum InstanceState
{
    /// <summary>It does not run that generation (a fresh activation that lost its state, or one that failed).</summary>
    NotRunning,

    /// <summary>It runs that generation.</summary>
    Running,

    /// <summary>It ran that generation to the end of its input.</summary>
    Finished,
}
