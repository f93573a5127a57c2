namespace OrleansCheckpoint.Messages;

/// <summary>What a checkpoint (or savepoint) holds, read from storage by <see cref="Grains.ISnapshotInspectorGrain"/>.</summary>
/// <param name="Job">The job.</param>
/// <param name="SnapshotId">The checkpoint's (or savepoint's) id.</param>
/// <param name="Generation">The job generation that took it.</param>
/// <param name="TriggeredAt">When it was triggered.</param>
/// <param name="CompletedAt">When it completed.</param>
/// <param name="SizeBytes">What its snapshots wrote (pieces shared with earlier checkpoints not counted).</param>
/// <param name="FullSizeBytes">The whole state it describes, shared pieces included.</param>
/// <param name="Instances">Every operator instance's snapshot, by operator chain and partition.</param>
[GenerateSerializer, Immutable]
public sealed record SnapshotSummary(
    [property: Id(0)] string Job,
    [property: Id(1)] long SnapshotId,
    [property: Id(2)] long Generation,
    [property: Id(3)] DateTimeOffset TriggeredAt,
    [property: Id(4)] DateTimeOffset CompletedAt,
    [property: Id(5)] long SizeBytes,
    [property: Id(6)] long FullSizeBytes,
    [property: Id(7)] IReadOnlyList<InstanceStateSummary> Instances);
