using System.Diagnostics;

namespace OrleansCheckpoint.Runtime.Metrics;

/// <summary>
/// The rate of a growing total, per second, over the last window of at least a second that ended when it was read
/// (Flink's <c>MeterView</c>, sampled by its readers). Thread-safe: readers on any thread.
/// </summary>
internal sealed class RatePerSecond
{
    private readonly Lock _lock = new();
    private long _sampledAt = Stopwatch.GetTimestamp();
    private double _sampledTotal;
    private double _rate;

    /// <summary>The rate as of now, given the total now.</summary>
    public double Read(double total)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            var elapsed = Stopwatch.GetElapsedTime(_sampledAt, now);
            if (elapsed >= TimeSpan.FromSeconds(1))
            {
                _rate = Math.Max(0, total - _sampledTotal) / elapsed.TotalSeconds;
                (_sampledAt, _sampledTotal) = (now, total);
            }

            return _rate;
        }
    }
}
