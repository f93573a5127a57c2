using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// The late-data side output of session windows on the cluster: 7 users click in bursts of 1 s every 10 s; now and then a
/// click of a quiet moment (its session could join no burst's) arrives 30 s late, far later than any batching can blur.
/// The committed sessions are those of the on-time clicks, and the side output holds exactly the late clicks, each once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LateSessionSideOutputTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Late_session_clicks_reach_the_side_output_once_and_the_sessions_hold_the_on_time_clicks()
    {
        const string job = LateSessionsJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var clicks = Clicks(seed: 11, seconds: 120);

        await ClickWindows.PushClicksAsync(driver, clicks, "all");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        var sessions = (await fixture.OutputFilesAsync($"{job}/session-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<WindowResult<string, long>>(line, JsonSerializerOptions.Web)!)
            .Select(s => (s.Key, Start: s.Start.ToUnixTimeMilliseconds(), End: s.End.ToUnixTimeMilliseconds(), Count: s.Value))
            .ToList();
        var late = (await fixture.OutputFilesAsync($"{job}/late-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<Click>(line, JsonSerializerOptions.Web)!)
            .ToList();
        var expectedLate = clicks.Where(c => c.Page == "late").ToList();
        Assert.True(expectedLate.Count > 15, $"only {expectedLate.Count} late clicks");
        Assert.Equal(expectedLate.OrderBy(c => (c.User, c.Ts)), late.OrderBy(c => (c.User, c.Ts)));
        Assert.Equal(Bursts(clicks.Where(c => c.Page != "late")).Order(), sessions.Order());
    }

    /// <summary>Each user's sessions of on-time clicks: its clicks sorted, split where two are more than the gap apart.</summary>
    private static List<(string Key, long Start, long End, long Count)> Bursts(IEnumerable<Click> clicks)
    {
        var gap = (long)LateSessionsJob.Gap.TotalMilliseconds;
        return [.. clicks.GroupBy(c => c.User).SelectMany(user =>
        {
            var sessions = new List<(long Start, long Last, long Count)>();
            foreach (var t in user.Select(c => c.Ts).Order())
            {
                sessions = sessions.Count > 0 && t - sessions[^1].Last <= gap
                    ? [.. sessions[..^1], (sessions[^1].Start, t, sessions[^1].Count + 1)]
                    : [.. sessions, (t, t, 1)];
            }

            return sessions.Select(s => (user.Key, s.Start, s.Last + gap, s.Count));
        })];
    }

    /// <summary>
    /// In input order: user u clicks every 10 ms (up to 0.2 s out of order) in [10k + 1.3u, 10k + 1.3u + 1) s; with a chance of
    /// one half, a click at 10k + 1.3u + 5.5 s (quiet: its session [5.5, 8.5) s touches neither burst) arrives 30 s late
    /// (not in the last 50 s: a late click needs later bursts to have moved the watermark past its session).
    /// </summary>
    private static List<Click> Clicks(int seed, int seconds)
    {
        var random = new Random(seed);
        var timed = new List<(long At, Click Click)>();
        for (long k = 0; k * 10_000 < seconds * 1_000L; k++)
        {
            for (var u = 0; u < 7; u++)
            {
                var burst = ClickWindows.T0 + (k * 10_000) + (u * 1_300);
                for (var t = burst; t < burst + 1_000; t += 10)
                {
                    timed.Add((t, new Click($"u{u}", "on-time", t - random.Next(0, 200))));
                }

                if (random.Next(2) == 0 && (k + 5) * 10_000 < seconds * 1_000L) // arrives while bursts still follow: surely late
                {
                    timed.Add((burst + 35_500, new Click($"u{u}", "late", burst + 5_500)));
                }
            }
        }

        return [.. timed.OrderBy(c => c.At).Select(c => c.Click)];
    }
}

/// <summary>Clicks from a one-partition source in 3 s sessions per user; sessions and late clicks to part files.</summary>
public sealed class LateSessionsJob : IStreamJob
{
    public const string Name = "late-sessions";
    public static readonly TimeSpan Gap = TimeSpan.FromSeconds(3);

    public void Build(JobBuilder job)
    {
        var late = new OutputTag<Click>("late");
        var sessions = job.Source("clicks", JsonLines.Parser<Click>(), WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts)))
            .WithParallelism(1)
            .KeyBy(c => c.User)
            .Window(EventTimeSessionWindows.WithGap(Gap))
            .SideOutputLateData(late)
            .Count("sessions");
        sessions.ToFiles("session-files");
        sessions.GetSideOutput(late).ToFiles("late-files");
    }
}
