using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Session windows (<c>EventTimeSessionWindows.WithGap</c>) on the cluster: clicks of 7 users at irregular intervals, up to
/// 0.5 s out of order, so that sessions open, merge and end all along; the committed sessions equal those computed from the
/// clicks alone (each user's clicks sorted, split where two are more than the gap apart), each committed once — also when
/// the session operator's instance is lost mid-session and the job restores a checkpoint taken with sessions open.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SessionWindowTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Sessions_equal_the_oracle_and_each_is_committed_once_when_the_instance_is_lost_mid_session()
    {
        const string job = SessionClicksJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var clicks = Clicks(seed: 3, count: 6_000);
        var (first, second) = (clicks[..3_000], clicks[3_000..]);

        await ClickWindows.PushClicksAsync(driver, first, "first");
        var checkpoint = await driver.CheckpointAsync(); // sessions open in it
        await ClickWindows.PushClicksAsync(driver, second[..1_000], "second");
        Assert.Equal(checkpoint, (await fixture.LoseInstancesAsync(driver, $"{job}/sessions/1")).RestoredCheckpoint);
        await ClickWindows.PushClicksAsync(driver, second[1_000..], "rest");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        var committed = (await fixture.OutputFilesAsync($"{job}/session-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<WindowResult<string, long>>(line, JsonSerializerOptions.Web)!)
            .Select(s => (s.Key, Start: s.Start.ToUnixTimeMilliseconds(), End: s.End.ToUnixTimeMilliseconds(), Count: s.Value))
            .ToList();
        var expected = Expected(clicks, (long)SessionClicksJob.Gap.TotalMilliseconds);
        Assert.True(expected.Count > 500, $"only {expected.Count} sessions: the clicks should make many");
        Assert.Empty(committed.GroupBy(s => (s.Key, s.Start)).Where(g => g.Count() > 1).Select(g => g.Key)); // each once
        Assert.Equal(expected.Order(), committed.Order());
    }

    /// <summary>Every user's sessions: the user's clicks sorted by time, split where two are more than <paramref name="gapMs"/> apart.</summary>
    private static List<(string Key, long Start, long End, long Count)> Expected(IEnumerable<Click> clicks, long gapMs) =>
        [.. clicks.GroupBy(c => c.User).SelectMany(user =>
        {
            var sessions = new List<(long Start, long Last, long Count)>();
            foreach (var t in user.Select(c => c.Ts).Order())
            {
                if (sessions.Count > 0 && t - sessions[^1].Last <= gapMs)
                {
                    sessions[^1] = (sessions[^1].Start, t, sessions[^1].Count + 1);
                }
                else
                {
                    sessions.Add((t, t, 1));
                }
            }

            return sessions.Select(s => (user.Key, s.Start, s.Last + gapMs, s.Count));
        })];

    /// <summary>Clicks of 7 users, one every 0.4 s on average (a user's every 2.8 s, around the 3 s gap), up to 0.5 s out of order.</summary>
    private static List<Click> Clicks(int seed, int count)
    {
        var random = new Random(seed);
        var clicks = new List<Click>(count);
        var clock = ClickWindows.T0;
        for (var i = 0; i < count; i++)
        {
            clock += random.Next(0, 800);
            clicks.Add(new Click($"u{random.Next(7)}", $"p{random.Next(4)}", clock - random.Next(0, 500)));
        }

        return clicks;
    }
}

/// <summary>Clicks per user in sessions of <see cref="Gap"/>, to part files.</summary>
public sealed class SessionClicksJob : IStreamJob
{
    public const string Name = "session-clicks";
    public static readonly TimeSpan Gap = TimeSpan.FromSeconds(3);

    public void Build(JobBuilder job) =>
        job.Source("clicks", JsonLines.Parser<Click>(), WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts)))
            .KeyBy(c => c.User)
            .Window(EventTimeSessionWindows.WithGap(Gap))
            .Count("sessions")
            .ToFiles("session-files");
}
