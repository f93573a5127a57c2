using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>
/// One checkpoint of the history. <c>sizeBytes</c>: the bytes it wrote (Flink's <c>checkpointed_size</c>);
/// <c>fullSizeBytes</c>: the whole state it describes, pieces shared with earlier checkpoints included (Flink's <c>state_size</c>).
/// </summary>
internal sealed record CheckpointView(
    long Id,
    CheckpointStatus Status,
    DateTimeOffset TriggeredAt,
    double DurationMs,
    long SizeBytes,
    long FullSizeBytes,
    double AlignmentMs,
    int Acknowledged,
    int Total,
    string? FailureReason);
