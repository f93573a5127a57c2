using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>
/// <c>GET /jobs/{job}/checkpoints/{id}</c>: one checkpoint with every instance's part of it; sizes as in
/// <see cref="CheckpointView"/> (written, and full).
/// </summary>
internal sealed record CheckpointDetailView(
    long Id,
    CheckpointStatus Status,
    DateTimeOffset TriggeredAt,
    double DurationMs,
    long SizeBytes,
    long FullSizeBytes,
    int Acknowledged,
    int Total,
    string? FailureReason,
    IReadOnlyList<InstanceCheckpointView> Instances);
