namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>
/// <c>GET /jobs/{job}/checkpoints</c> (Flink's CheckpointingStatistics): counts, a summary of the completed ones
/// in the history, the latest, and the history, newest first.
/// </summary>
internal sealed record CheckpointingStatistics(
    CheckpointCountsView Counts,
    CheckpointSummary Summary,
    LatestCheckpoints Latest,
    IReadOnlyList<CheckpointView> History);
