using System.Globalization;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Recovery;

/// <summary>
/// The restart strategy of jobs (configuration section <c>OrleansCheckpoint:Restart</c>, changed per job by
/// <c>client start --restart-…</c>): after a failure the job restores its last completed checkpoint and goes on,
/// unless it already restarted <see cref="MaxAttempts"/> times within <see cref="Window"/>; then it fails with the reason.
/// </summary>
[GenerateSerializer]
public sealed class RestartSettings
{
    /// <summary>How <see cref="Problems"/> names the settings of the silo's configuration.</summary>
    public static readonly Func<string, string> ConfigurationNames = setting => $"Restart:{setting}";

    /// <summary>How <see cref="Problems"/> names the settings of one job: by the option of <c>client start</c> that sets them.</summary>
    public static readonly Func<string, string> StartOptionNames = setting => setting switch
    {
        nameof(Strategy) => "--restart-strategy",
        nameof(Delay) => "--restart-delay",
        nameof(MaxDelay) => "--restart-max-delay",
        nameof(MaxAttempts) => "--restart-attempts",
        nameof(Window) => "--restart-window",
        _ => $"OrleansCheckpoint:Restart:{setting}",
    };

    /// <summary>Fixed delay (default), exponential backoff, or none.</summary>
    [Id(0)]
    public RestartKind Strategy { get; set; } = RestartKind.FixedDelay;

    /// <summary>The delay before a restart (the first one, with backoff). Default 500 ms.</summary>
    [Id(1)]
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest delay with backoff. Default 30 s.</summary>
    [Id(2)]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The backoff multiplier. Default 2.</summary>
    [Id(3)]
    public double BackoffMultiplier { get; set; } = 2;

    /// <summary>The most restarts within <see cref="Window"/>. Default 10.</summary>
    [Id(4)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The window in which restarts are counted. Default 5 minutes.</summary>
    [Id(5)]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>These settings with <paramref name="overrides"/> applied (a copy; these stay as they are).</summary>
    public RestartSettings With(RestartOverrides? overrides) => new()
    {
        Strategy = overrides?.Strategy ?? Strategy,
        Delay = overrides?.Delay ?? Delay,
        MaxDelay = overrides?.MaxDelay ?? MaxDelay,
        BackoffMultiplier = BackoffMultiplier,
        MaxAttempts = overrides?.MaxAttempts ?? MaxAttempts,
        Window = overrides?.Window ?? Window,
    };

    /// <summary>The problems of these settings, each naming its setting as <paramref name="name"/> (default: <see cref="ConfigurationNames"/>) spells it.</summary>
    public IEnumerable<string> Problems(Func<string, string>? name = null)
    {
        name ??= ConfigurationNames;
        if (Delay < TimeSpan.Zero)
        {
            yield return $"{name(nameof(Delay))} {Delay} is negative";
        }

        if (MaxDelay < Delay)
        {
            yield return $"{name(nameof(MaxDelay))} {MaxDelay} is shorter than {name(nameof(Delay))} {Delay}";
        }

        if (BackoffMultiplier < 1)
        {
            yield return $"{name(nameof(BackoffMultiplier))} {BackoffMultiplier} is below 1";
        }

        if (MaxAttempts < 0)
        {
            yield return $"{name(nameof(MaxAttempts))} {MaxAttempts} is negative";
        }

        if (Window <= TimeSpan.Zero)
        {
            yield return $"{name(nameof(Window))} {Window} must be positive";
        }

        if (!Enum.IsDefined(Strategy))
        {
            yield return $"{name(nameof(Strategy))} {Strategy} is unknown: use FixedDelay, ExponentialBackoff or None";
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
            : string.Create(CultureInfo.InvariantCulture, $"it restarted {recent} times within {Window.TotalSeconds:0} s, the most its restart strategy ({this}) allows");
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

    /// <summary>The strategy on one line, e.g. <c>exponential-backoff 200 ms to 30,000 ms (×2), at most 10 restarts in 300 s</c>.</summary>
    public override string ToString() => Strategy switch
    {
        RestartKind.None => "none",
        RestartKind.FixedDelay => string.Create(CultureInfo.InvariantCulture, $"fixed-delay {Delay.TotalMilliseconds:0} ms, at most {MaxAttempts} restarts in {Window.TotalSeconds:0} s"),
        _ => string.Create(
            CultureInfo.InvariantCulture,
            $"exponential-backoff {Delay.TotalMilliseconds:0} ms to {MaxDelay.TotalMilliseconds:0} ms (×{BackoffMultiplier:0.##}), at most {MaxAttempts} restarts in {Window.TotalSeconds:0} s"),
    };
}
