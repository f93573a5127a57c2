namespace OrleansCheckpoint.Messages;

/// <summary>
/// How many checkpoints a job's coordinator triggered, completed and failed, and how often the job restored one
/// (Flink's checkpoint counts), since its job manager was activated: like Flink's, they start over when the
/// manager moves to another silo.
/// </summary>
/// <param name="Triggered">Checkpoints triggered.</param>
/// <param name="InProgress">Checkpoints in progress now.</param>
/// <param name="Completed">Checkpoints completed.</param>
/// <param name="Failed">Checkpoints aborted (timed out, declined, or not written).</param>
/// <param name="Restored">Times the job was deployed from a checkpoint.</param>
/// <param name="LastRestoredId">The checkpoint restored last.</param>
/// <param name="LastRestoredAt">When it was restored.</param>
[GenerateSerializer, Immutable]
public sealed record CheckpointCounts(
    [property: Id(0)] long Triggered,
    [property: Id(1)] int InProgress,
    [property: Id(2)] long Completed,
    [property: Id(3)] long Failed,
    [property: Id(4)] long Restored,
    [property: Id(5)] long? LastRestoredId = null,
    [property: Id(6)] DateTimeOffset? LastRestoredAt = null);
