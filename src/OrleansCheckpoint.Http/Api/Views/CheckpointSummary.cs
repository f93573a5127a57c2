namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>Statistics of the completed checkpoints in the history (null when there are none).</summary>
internal sealed record CheckpointSummary(Statistic? EndToEndDuration, Statistic? StateSize, Statistic? AlignmentDuration);
