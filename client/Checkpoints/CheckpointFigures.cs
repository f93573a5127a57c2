using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Checkpoints;

/// <summary>
/// What a job's checkpoints added up to: how many completed and aborted, how long completed ones took
/// (p50 / p99 / max), the size of the latest completed one, and the p99 of the instances' alignment times in
/// completed checkpoints. Durations and sizes are <c>null</c> when none completed.
/// </summary>
internal sealed record CheckpointFigures(
    int Completed,
    int Aborted,
    double? DurationP50Ms,
    double? DurationP99Ms,
    double? DurationMaxMs,
    long? LatestSizeBytes,
    double? AlignmentP99Ms)
{
    public static CheckpointFigures Of(IReadOnlyList<CheckpointStats> checkpoints)
    {
        var completed = checkpoints.Where(c => c.Status == CheckpointStatus.Completed).ToList();
        var durations = completed.Select(c => c.DurationMs).ToList();
        return new CheckpointFigures(
            completed.Count,
            checkpoints.Count(c => c.Status == CheckpointStatus.Aborted),
            Percentile(durations, 50),
            Percentile(durations, 99),
            durations.Count > 0 ? Math.Round(durations.Max(), 1) : null,
            completed.MaxBy(c => c.Id)?.SizeBytes,
            Percentile([.. completed.SelectMany(c => c.Instances).Select(i => i.AlignmentMs)], 99));
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> of <paramref name="values"/>, rounded to 0.1; <c>null</c> for none.</summary>
    public static double? Percentile(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return Math.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)], 1);
    }
}
