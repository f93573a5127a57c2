using System.Text.Json;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Late events across a rollback: a window that fired and was committed before the restored checkpoint never opens
/// again, and a source partition that stays idle after the restore does not hold the watermark back. Windows are
/// read back from the committed part files and compared with counts computed here from the pushed clicks alone.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LateEventRecoveryTests(ClusterFixture fixture)
{
    private static readonly long T0 = DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
    private static readonly CheckpointSettings Manual = new() { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) };
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Late_events_replayed_after_a_rollback_do_not_reopen_windows_that_fired_and_were_committed_before_the_checkpoint()
    {
        const string job = LateClicksJob.Duplicates;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);

        // 60 s of clicks in order; batches of 500 (5 s) alternate between the two source partitions.
        var onTime = Clicks(from: 0, to: 60_000, stepMs: 10);
        await driver.PushAsync(onTime.Select(Line), batchSize: 500, retryFor: RetryFor);
        var checkpoint = await CompletedCheckpointAsync(driver);
        await Eventually.TrueAsync( // the windows the late events below belong to fired and were committed
            async () => (await WindowsAsync(job)).Any(w => w.Start == T0 + 15_000), $"checkpoint {checkpoint}'s part files");

        // Clicks 30–50 s late for those windows (late: dropped and counted), then on-time ones.
        var late = Clicks(from: 10_000, to: 20_000, stepMs: 25);
        var more = Clicks(from: 60_000, to: 70_000, stepMs: 10);
        await driver.PushAsync(late.Concat(more).Select(Line), batchSize: 500, retryFor: RetryFor);

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/page-windows/0"));
        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
        Assert.Equal(checkpoint, info.RestoredCheckpoint);
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        AssertWindows(Expected(onTime.Concat(more)), await WindowsAsync(job));
        await AssertUserTotalsAsync(driver, onTime.Concat(late).Concat(more)); // the running counts have no windows: late clicks count there
    }

    [Fact]
    public async Task A_source_partition_idle_after_a_rollback_keeps_its_restored_watermark_and_windows_fire_without_a_drain()
    {
        const string job = LateClicksJob.IdlePartition;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);

        // Partition 1 runs ahead (to 70 s) and then gets nothing more; partition 0 reaches 50 s, then 75 s after the checkpoint.
        var ahead = Clicks(from: 0, to: 70_000, stepMs: 20);
        var behind = Clicks(from: 0, to: 50_000, stepMs: 10);
        var after = Clicks(from: 50_000, to: 75_000, stepMs: 10);
        await PushToAsync(driver, partition: 1, "ahead", 1, ahead);
        var next = await PushToAsync(driver, partition: 0, "behind", 1, behind);
        var checkpoint = await CompletedCheckpointAsync(driver);
        Assert.DoesNotContain(await WindowsAsync(job), w => w.Start >= T0 + 45_000); // partition 0's watermark (49 s) holds them back
        await PushToAsync(driver, partition: 0, "behind", next, after);

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/page-windows/1"));
        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
        Assert.Equal(checkpoint, info.RestoredCheckpoint);

        // Partition 1 sends nothing after the restore; its restored watermark (69 s) still lets the windows up to 65 s fire.
        var expected = Expected(ahead.Concat(behind).Concat(after));
        await Eventually.TrueAsync(
            async () =>
            {
                await driver.Coordinator.TriggerCheckpointAsync();
                await Task.Delay(200);
                var windows = await WindowsAsync(job);
                return expected.Keys.Where(w => w.Start + LateClicksJob.WindowSize.TotalMilliseconds <= T0 + 65_000).All(w => windows.Any(c => (c.Key, c.Start) == w));
            },
            "the windows up to 65 s to be committed without a drain");

        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        AssertWindows(expected, await WindowsAsync(job));
        await AssertUserTotalsAsync(driver, ahead.Concat(behind).Concat(after));
    }

    /// <summary>Clicks every <paramref name="stepMs"/> from T0 + <paramref name="from"/> to T0 + <paramref name="to"/> (exclusive), over 4 pages and 7 users.</summary>
    private static List<Click> Clicks(long from, long to, long stepMs)
    {
        var clicks = new List<Click>();
        for (long t = from, i = 0; t < to; t += stepMs, i++)
        {
            clicks.Add(new Click($"u{(t / stepMs) % 7}", $"p{i % 4}", T0 + t));
        }

        return clicks;
    }

    private static string Line(Click click) => JsonSerializer.Serialize(click, JsonSerializerOptions.Web);

    /// <summary>Pushes <paramref name="clicks"/> to one partition in batches of 500, as producer <paramref name="producer"/> from <paramref name="sequence"/>; returns the next sequence.</summary>
    private static async Task<long> PushToAsync(JobDriver driver, int partition, string producer, long sequence, List<Click> clicks)
    {
        foreach (var batch in clicks.Chunk(500))
        {
            await driver.PushToAsync(partition, producer, sequence++, batch.Select(Line), RetryFor);
        }

        return sequence;
    }

    private static async Task<long> CompletedCheckpointAsync(JobDriver driver)
    {
        var id = await driver.Coordinator.TriggerCheckpointAsync() ?? throw new InvalidOperationException("no checkpoint was triggered");
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint == id, $"checkpoint {id} to complete");
        return id;
    }

    /// <summary>The count of every (page, window start) over <paramref name="clicks"/>, none of them late.</summary>
    private static Dictionary<(string Key, long Start), long> Expected(IEnumerable<Click> clicks)
    {
        var size = (long)LateClicksJob.WindowSize.TotalMilliseconds;
        return clicks.GroupBy(c => (c.Page, c.Ts - (c.Ts % size))).ToDictionary(g => g.Key, g => (long)g.Count());
    }

    private async Task<List<(string Key, long Start, long Count)>> WindowsAsync(string job) =>
        (await fixture.OutputFilesAsync($"{job}/window-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<WindowLine>(line, JsonSerializerOptions.Web)!)
            .Select(w => (w.Key, w.Start.ToUnixTimeMilliseconds(), w.Value))
            .ToList();

    private static void AssertWindows(Dictionary<(string Key, long Start), long> expected, List<(string Key, long Start, long Count)> committed)
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

    private static async Task AssertUserTotalsAsync(JobDriver driver, IEnumerable<Click> clicks)
    {
        foreach (var user in clicks.GroupBy(c => c.User))
        {
            Assert.Equal(user.Count().ToString(System.Globalization.CultureInfo.InvariantCulture), (await driver.Manager.QueryAsync(user.Key)).ValueJson);
        }
    }

    private sealed record WindowLine(string Key, DateTimeOffset Start, DateTimeOffset End, long Value);
}
