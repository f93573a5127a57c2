namespace OrleansCheckpoint.Runtime.Recovery;

/// <summary>How long to wait between restarts.</summary>
public enum RestartKind
{
    /// <summary>The same delay before every restart.</summary>
    FixedDelay,

    /// <summary>The delay doubles (by <see cref="RestartSettings.BackoffMultiplier"/>) per restart in the window, up to <see cref="RestartSettings.MaxDelay"/>.</summary>
    ExponentialBackoff,

    /// <summary>Never restart: the first failure fails the job.</summary>
    None,
}

/// <summary>
/// The restart strategy of jobs (configuration section <c>OrleansCheckpoint:Restart</c>): after a failure the
/// job restores its last completed checkpoint and goes on, unless it already restarted
/// <see cref="MaxAttempts"/> times within <see cref="Window"/>; then it fails with the reason.
/// </summary>
public sealed class RestartSettings
{
    /// <summary>Fixed delay (default), exponential backoff, or none.</summary>
    public RestartKind Strategy { get; set; } = RestartKind.FixedDelay;

    /// <summary>The delay before a restart (the first one, with backoff). Default 500 ms.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay with backoff. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The backoff multiplier. Default 2.</summary>
    public double BackoffMultiplier { get; set; } = 2;

    /// <summary>The most restarts within <see cref="Window"/>. Default 10.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The window in which restarts are counted. Default 5 minutes.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The problems of these settings, each naming its setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (Delay < TimeSpan.Zero)
        {
            yield return $"Restart:Delay {Delay} is negative";
        }

        if (MaxDelay < Delay)
        {
            yield return $"Restart:MaxDelay {MaxDelay} is shorter than Restart:Delay {Delay}";
        }

        if (BackoffMultiplier < 1)
        {
            yield return $"Restart:BackoffMultiplier {BackoffMultiplier} is below 1";
        }

        if (MaxAttempts < 0)
        {
            yield return $"Restart:MaxAttempts {MaxAttempts} is negative";
        }

        if (Window <= TimeSpan.Zero)
        {
            yield return $"Restart:Window {Window} must be positive";
        }

        if (!Enum.IsDefined(Strategy))
        {
            yield return $"Restart:Strategy {Strategy} is unknown: use FixedDelay, ExponentialBackoff or None";
        }
    }

    /// <summary>
    /// The delay before the next restart, given the times of the earlier restarts; <c>null</c> when the job
    /// must fail instead, with <paramref name="why"/> saying so.
    /// </summary>
    public TimeSpan? NextDelay(IReadOnlyList<DateTimeOffset> earlierRestarts, DateTimeOffset now, out string why)
    {
        var recent = earlierRestarts.Count(t => now - t < Window);
        why = Strategy == RestartKind.None
            ? "the restart strategy is None"
            : $"it restarted {recent} times within {Window.TotalSeconds:0} s, the most allowed (OrleansCheckpoint:Restart:MaxAttempts)";
        if (Strategy == RestartKind.None || recent >= MaxAttempts)
        {
            return null;
        }

        if (Strategy == RestartKind.FixedDelay)
        {
            return Delay;
        }

        var backoff = Delay.TotalMilliseconds * Math.Pow(BackoffMultiplier, recent);
        return TimeSpan.FromMilliseconds(Math.Min(backoff, MaxDelay.TotalMilliseconds));
    }
}
