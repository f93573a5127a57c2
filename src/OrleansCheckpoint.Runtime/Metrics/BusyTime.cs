using System.Diagnostics;

namespace OrleansCheckpoint.Runtime.Metrics;

/// <summary>
/// Time spent in a state (an instance's loop waiting for its output to be taken), as milliseconds per second (Flink's
/// <c>TimerGauge</c>): <see cref="Begin"/> and <see cref="End"/> on the instance's scheduler, reads from any thread.
/// A wait still going on counts up to the moment it is read.
/// </summary>
internal sealed class BusyTime
{
    private readonly RatePerSecond _rate = new();
    private long _busyTicks;
    private long _since; // 0 while not busy

    public void Begin() => Volatile.Write(ref _since, Stopwatch.GetTimestamp());

    public void End()
    {
        var since = Interlocked.Exchange(ref _since, 0);
        if (since != 0)
        {
            Interlocked.Add(ref _busyTicks, Stopwatch.GetTimestamp() - since);
        }
    }

    /// <summary>Milliseconds busy per second, over about the last second.</summary>
    public double MsPerSecond()
    {
        var since = Volatile.Read(ref _since);
        var ticks = Volatile.Read(ref _busyTicks) + (since == 0 ? 0 : Stopwatch.GetTimestamp() - since);
        return Math.Min(1000, _rate.Read(ticks * 1000.0 / Stopwatch.Frequency));
    }
}
