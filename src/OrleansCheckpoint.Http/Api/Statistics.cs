using OrleansCheckpoint.Http.Api.Views;

namespace OrleansCheckpoint.Http.Api;

/// <summary>Summaries of a figure over several checkpoints.</summary>
internal static class Statistics
{
    /// <summary>Min, average, max and the nearest-rank 50th, 90th and 99th percentiles; null for no values.</summary>
    public static Statistic? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Statistic(sorted.Length, sorted[0], sorted.Average(), sorted[^1], Percentile(0.5), Percentile(0.9), Percentile(0.99));
    }
}
