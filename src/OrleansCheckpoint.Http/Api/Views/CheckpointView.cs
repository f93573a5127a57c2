using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>One checkpoint of the history.</summary>
internal sealed record CheckpointView(
    long Id,
    CheckpointStatus Status,
    DateTimeOffset TriggeredAt,
    double DurationMs,
    long SizeBytes,
    double AlignmentMs,
    int Acknowledged,
    int Total,
    string? FailureReason);
