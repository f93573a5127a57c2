namespace OrleansCheckpoint.Messages;

/// <summary>
/// A restore passed over a retained checkpoint because one of its snapshots (a piece, or an instance's index)
/// was missing or corrupt: the job went on from an older checkpoint, or failed when none was readable.
/// </summary>
/// <param name="CheckpointId">The checkpoint skipped.</param>
/// <param name="Reason">Why it could not be restored, naming the instance and the snapshot (piece) that failed its check.</param>
/// <param name="At">When the restore skipped it.</param>
/// <param name="RestoredFrom">The checkpoint restored instead; null when the job started empty or, finding none readable, failed.</param>
[GenerateSerializer, Immutable]
public sealed record SkippedCheckpoint(
    [property: Id(0)] long CheckpointId,
    [property: Id(1)] string Reason,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] long? RestoredFrom);
