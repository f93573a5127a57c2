namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>Minimum, average, maximum and percentiles (nearest rank) of a figure over some checkpoints.</summary>
internal sealed record Statistic(int Count, double Min, double Avg, double Max, double P50, double P90, double P99);
