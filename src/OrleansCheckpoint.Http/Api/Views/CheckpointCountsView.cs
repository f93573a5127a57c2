namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>How many checkpoints were triggered, are in progress, completed, failed, and how often one was restored.</summary>
internal sealed record CheckpointCountsView(long Triggered, int InProgress, long Completed, long Failed, long Restored);
