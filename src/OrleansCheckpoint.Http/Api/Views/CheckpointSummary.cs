namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>
/// Statistics of the completed checkpoints in the history (null when there are none). <c>checkpointedSize</c>: the
/// bytes each wrote (Flink's <c>checkpointed_size</c>); <c>fullSize</c>: the whole state each describes (Flink's
/// <c>state_size</c>); <c>stateSize</c> is kept as it was, the bytes written, equal to <c>checkpointedSize</c>.
/// </summary>
internal sealed record CheckpointSummary(
    Statistic? EndToEndDuration, Statistic? StateSize, Statistic? AlignmentDuration, Statistic? CheckpointedSize, Statistic? FullSize);
