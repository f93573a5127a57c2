using System.Text.Json;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// Seeded click streams for jobs shaped like <see cref="LateClicksJob"/>, and the independent expectation of their
/// 5-second page windows, computed from the clicks alone, checked against the windows committed to part files.
/// </summary>
public static class ClickWindows
{
    public static readonly long T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    /// <summary>Checkpoints only when a test asks for one.</summary>
    public static readonly Messages.CheckpointSettings Manual = new() { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) };

    /// <summary>How long a push retries while the job recovers or restarts.</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    /// <summary>The <paramref name="n"/>th 20 seconds of clicks (one every 10 ms).</summary>
    public static List<Click> Slice(int n) => Clicks(from: n * 20_000L, to: (n + 1) * 20_000L, stepMs: 10);

    /// <summary>Pushes <paramref name="clicks"/> in batches of 500 (5 s each, spread over the source partitions), as <paramref name="producer"/> if given.</summary>
    public static Task<long> PushClicksAsync(JobDriver driver, IEnumerable<Click> clicks, string? producer = null) =>
        driver.PushAsync(clicks.Select(Line), batchSize: 500, retryFor: RetryFor, producer: producer);

    /// <summary>Clicks every <paramref name="stepMs"/> from T0 + <paramref name="from"/> to T0 + <paramref name="to"/> (exclusive), over 4 pages and 7 users.</summary>
    public static List<Click> Clicks(long from, long to, long stepMs)
    {
        var clicks = new List<Click>();
        for (long t = from, i = 0; t < to; t += stepMs, i++)
        {
            clicks.Add(new Click($"u{(t / stepMs) % 7}", $"p{i % 4}", T0 + t));
        }

        return clicks;
    }

    public static string Line(Click click) => JsonSerializer.Serialize(click, JsonSerializerOptions.Web);

    /// <summary>The count of every (page, window start) over <paramref name="clicks"/>, none of them late.</summary>
    public static Dictionary<(string Key, long Start), long> Expected(IEnumerable<Click> clicks)
    {
        var size = (long)LateClicksJob.WindowSize.TotalMilliseconds;
        return clicks.GroupBy(c => (c.Page, c.Ts - (c.Ts % size))).ToDictionary(g => g.Key, g => (long)g.Count());
    }

    /// <summary>Every window committed under <c>{job}/window-files/</c>.</summary>
    public static async Task<List<(string Key, long Start, long Count)>> CommittedAsync(ClusterFixture fixture, string job) =>
        (await fixture.OutputFilesAsync($"{job}/window-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<WindowLine>(line, JsonSerializerOptions.Web)!)
            .Select(w => (w.Key, w.Start.ToUnixTimeMilliseconds(), w.Value))
            .ToList();

    /// <summary>Each expected window committed once with its count, and nothing else.</summary>
    public static void AssertEqual(Dictionary<(string Key, long Start), long> expected, List<(string Key, long Start, long Count)> committed)
    {
        var twice = committed.GroupBy(w => (w.Key, w.Start)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Key}@{g.Key.Start - T0}: {string.Join(", ", g.Select(w => w.Count))}").ToList();
        Assert.True(twice.Count == 0, $"windows committed more than once: {string.Join("; ", twice)}");
        var differences = expected.Select(e => (e.Key, Expected: e.Value, Committed: committed.Where(w => (w.Key, w.Start) == e.Key).Sum(w => w.Count)))
            .Where(d => d.Expected != d.Committed)
            .Select(d => $"{d.Key.Key}@{d.Key.Start - T0}: expected {d.Expected}, committed {d.Committed}")
            .Concat(committed.Where(w => !expected.ContainsKey((w.Key, w.Start))).Select(w => $"{w.Key}@{w.Start - T0}: not expected, committed {w.Count}"))
            .ToList();
        Assert.True(differences.Count == 0, string.Join("; ", differences));
    }

    /// <summary>Drains the job, then checks its committed windows and totals against <paramref name="clicks"/>: each window once, every total right.</summary>
    public static async Task DrainAndCheckAsync(ClusterFixture fixture, JobDriver driver, string job, IEnumerable<Click> clicks)
    {
        Assert.Equal(Messages.JobStatus.Finished, (await driver.DrainAsync()).Status);
        AssertEqual(Expected(clicks), await CommittedAsync(fixture, job));
        await AssertUserTotalsAsync(driver, clicks);
    }

    /// <summary>Each user's committed count in the job's result table equals the clicks' count.</summary>
    public static async Task AssertUserTotalsAsync(JobDriver driver, IEnumerable<Click> clicks)
    {
        foreach (var user in clicks.GroupBy(c => c.User))
        {
            Assert.Equal(user.Count().ToString(System.Globalization.CultureInfo.InvariantCulture), (await driver.Manager.QueryAsync(user.Key)).ValueJson);
        }
    }

    private sealed record WindowLine(string Key, DateTimeOffset Start, DateTimeOffset End, long Value);
}
