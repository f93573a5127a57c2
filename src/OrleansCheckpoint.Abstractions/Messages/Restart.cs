namespace OrleansCheckpoint.Messages;

/// <summary>How long a job waits between restarts after failures.</summary>
public enum RestartKind
{
    /// <summary>The same delay before every restart.</summary>
    FixedDelay,

    /// <summary>The delay grows by the backoff multiplier per restart in the window, up to the maximum delay.</summary>
    ExponentialBackoff,

    /// <summary>Never restart: the first failure fails the job.</summary>
    None,
}

/// <summary>
/// Restart-strategy settings to change from the silo's defaults (<c>OrleansCheckpoint:Restart</c>) for one job,
/// as <c>client start --restart-…</c> sends them; unset ones keep the default. The silo validates the result and
/// names the option it refuses.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RestartOverrides
{
    /// <summary>Fixed delay, exponential backoff, or none (<c>--restart-strategy</c>).</summary>
    [Id(0)]
    public RestartKind? Strategy { get; init; }

    /// <summary>The delay before a restart; the first one with backoff (<c>--restart-delay</c>).</summary>
    [Id(1)]
    public TimeSpan? Delay { get; init; }

    /// <summary>The longest delay with backoff (<c>--restart-max-delay</c>).</summary>
    [Id(2)]
    public TimeSpan? MaxDelay { get; init; }

    /// <summary>The most restarts within the window (<c>--restart-attempts</c>).</summary>
    [Id(3)]
    public int? MaxAttempts { get; init; }

    /// <summary>The window in which restarts are counted (<c>--restart-window</c>).</summary>
    [Id(4)]
    public TimeSpan? Window { get; init; }
}
