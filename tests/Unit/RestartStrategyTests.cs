using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Recovery;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class RestartStrategyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-25T01:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Fixed_delay_waits_the_same_before_every_restart_until_the_attempts_in_the_window_run_out()
    {
        var settings = new RestartSettings { Delay = TimeSpan.FromSeconds(1), MaxAttempts = 2, Window = TimeSpan.FromMinutes(1) };

        Assert.Equal(TimeSpan.FromSeconds(1), settings.NextDelay([], Now, out _));
        Assert.Equal(TimeSpan.FromSeconds(1), settings.NextDelay([Now.AddSeconds(-10)], Now, out _));
        Assert.Null(settings.NextDelay([Now.AddSeconds(-20), Now.AddSeconds(-10)], Now, out var why));
        Assert.Contains("restarted 2 times within 60 s", why);
        Assert.NotNull(settings.NextDelay([Now.AddMinutes(-5), Now.AddSeconds(-10)], Now, out _)); // the old one left the window
    }

    [Fact]
    public void Exponential_backoff_doubles_per_recent_restart_up_to_the_maximum()
    {
        var settings = new RestartSettings { Strategy = RestartKind.ExponentialBackoff, Delay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(350), MaxAttempts = 10 };
        var earlier = new List<DateTimeOffset>();
        var delays = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            delays.Add(settings.NextDelay(earlier, Now, out _)!.Value.TotalMilliseconds);
            earlier.Add(Now.AddSeconds(-1));
        }

        Assert.Equal([100, 200, 350, 350], delays);
    }

    [Fact]
    public void None_never_restarts_and_bad_settings_are_named()
    {
        Assert.Null(new RestartSettings { Strategy = RestartKind.None }.NextDelay([], Now, out var why));
        Assert.Equal("the restart strategy is None", why);

        var problems = new RestartSettings { Delay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1), BackoffMultiplier = 0.5, MaxAttempts = -1, Window = TimeSpan.Zero }.Problems().ToList();
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Restart:MaxDelay", StringComparison.Ordinal));
    }
}
