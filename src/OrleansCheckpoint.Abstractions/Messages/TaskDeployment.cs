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
[GenerateSerializer, Immutable]
public sealed record TaskDeployment(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] long Generation,
    [property: Id(2)] int Parallelism,
    [property: Id(3)] int MaxParallelism,
    [property: Id(4)] SnapshotHandle? Restore = null,
    [property: Id(5)] bool Checkpointing = true,
    [property: Id(6)] long LastCheckpointId = 0);
