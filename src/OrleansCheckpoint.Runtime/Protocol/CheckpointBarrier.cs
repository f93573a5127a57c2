namespace OrleansCheckpoint.Messages;

/// <summary>
/// Checkpoint barrier N, injected by the sources into every output channel in order with the records: every
/// record before it belongs to checkpoint N, every record after it to a later one.
/// </summary>
/// <param name="CheckpointId">The checkpoint's id, increasing per job.</param>
/// <param name="Timestamp">When the coordinator triggered it (Unix milliseconds).</param>
/// <param name="Mode">Aligned or not.</param>
/// <param name="Kind">A checkpoint, or a savepoint (every instance then writes its whole state in the canonical format).</param>
/// <param name="StopsSources">
/// A stop with a savepoint: a source takes no more pushes, and its barrier follows every push it accepted (so the savepoint
/// holds everything acknowledged and the ingest log has nothing unread after it).
/// </param>
[GenerateSerializer, Immutable]
internal sealed record CheckpointBarrier(
    [property: Id(0)] long CheckpointId,
    [property: Id(1)] long Timestamp,
    [property: Id(2)] CheckpointMode Mode,
    [property: Id(3)] SnapshotKind Kind = SnapshotKind.Checkpoint,
    [property: Id(4)] bool StopsSources = false);
