using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Runtime.Metrics;

/// <summary>
/// A job's figures that the job-level gauges read (from any thread): its checkpoint statistics, and its restarts as
/// its job manager reports them. One per job whose manager is active on this silo.
/// </summary>
internal sealed class JobGauges(string job)
{
    private int _restarts;
    private long _restartingSince; // UTC ticks; 0 while running
    private double _lastRestartMs;

    public string Job { get; } = job;

    /// <summary>The job's checkpoint statistics, once its manager made them.</summary>
    public CheckpointStatsTracker? Checkpoints { get; set; }

    public int Restarts => Volatile.Read(ref _restarts);

    public void SetRestarts(int restarts) => Volatile.Write(ref _restarts, restarts);

    /// <summary>A restart began (a failure was recovered from) at <paramref name="at"/>.</summary>
    public void OnRestarting(DateTimeOffset at) => Volatile.Write(ref _restartingSince, at.UtcTicks);

    /// <summary>The job runs again after a restart.</summary>
    public void OnRunningAgain(DateTimeOffset at)
    {
        var since = Interlocked.Exchange(ref _restartingSince, 0);
        if (since != 0)
        {
            Volatile.Write(ref _lastRestartMs, (at.UtcTicks - since) / (double)TimeSpan.TicksPerMillisecond);
        }
    }

    /// <summary>Flink's <c>restartingTime</c>: how long the restart under way has taken so far, or how long the last one took (ms).</summary>
    public double RestartingTimeMs(DateTimeOffset now)
    {
        var since = Volatile.Read(ref _restartingSince);
        return since != 0 ? (now.UtcTicks - since) / (double)TimeSpan.TicksPerMillisecond : Volatile.Read(ref _lastRestartMs);
    }
}
