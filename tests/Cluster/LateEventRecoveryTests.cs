using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Late events across a rollback: a window that fired and was committed before the restored checkpoint never opens
/// again, and a source partition that stays idle after the restore does not hold the watermark back. Windows are
/// read back from the committed part files and compared with counts computed here from the pushed clicks alone.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LateEventRecoveryTests(ClusterFixture fixture)
{
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
        var checkpoint = await driver.CheckpointAsync();
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

        AssertEqual(Expected(onTime.Concat(more)), await WindowsAsync(job));
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
        var checkpoint = await driver.CheckpointAsync();
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
        AssertEqual(expected, await WindowsAsync(job));
        await AssertUserTotalsAsync(driver, ahead.Concat(behind).Concat(after));
    }

    /// <summary>Pushes <paramref name="clicks"/> to one partition in batches of 500, as producer <paramref name="producer"/> from <paramref name="sequence"/>; returns the next sequence.</summary>
    private static async Task<long> PushToAsync(JobDriver driver, int partition, string producer, long sequence, List<Click> clicks)
    {
        foreach (var batch in clicks.Chunk(500))
        {
            await driver.PushToAsync(partition, producer, sequence++, batch.Select(Line), RetryFor);
        }

        return sequence;
    }

    private Task<List<(string Key, long Start, long Count)>> WindowsAsync(string job) => ClickWindows.CommittedAsync(fixture, job);
}
