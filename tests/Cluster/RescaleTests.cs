using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Restoring at another parallelism: keyed state moves by key group, source instance p reads ingest-log partition p, and
/// sinks' pending transactions go to one instance each. Outcomes are compared with what the pushed clicks alone give.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RescaleTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Stopped_with_savepoints_and_started_from_them_at_2_then_3_then_1_instances_every_window_is_committed_once_and_every_total_is_right()
    {
        const string job = "sp-rescale";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var a = Slice(0);
        var b = Slice(1);
        var c = Slice(2);
        await PushClicksAsync(driver, a, "a");
        var first = await driver.SavepointAsync(stop: true);
        Assert.Equal(2, first.Parallelism);

        var three = await driver.Manager.StartAsync(new JobStartOptions(3, Manual, FromSnapshot: first.Path));
        Assert.Equal((3, first.Id), (three.Parallelism, three.RestoredCheckpoint));
        await AssertUserTotalsAsync(driver, a); // committed before the stop, read where they were written: by key group
        await PushClicksAsync(driver, b, "b");
        var second = await driver.SavepointAsync(stop: true);
        Assert.Equal(3, second.Parallelism);

        var one = await driver.Manager.StartAsync(new JobStartOptions(1, Manual, FromSnapshot: second.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal((1, second.Id), (one.Parallelism, one.RestoredCheckpoint));
        await PushClicksAsync(driver, c, "c");
        await DrainAndCheckAsync(fixture, driver, job, a.Concat(b).Concat(c));
    }

    [Fact]
    public async Task Fewer_sources_than_a_snapshot_had_are_refused_while_a_retired_partition_holds_unread_events_and_more_sources_restore_it()
    {
        const string job = "sp-shrink";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 3, Manual);
        var a = Slice(0);
        var b = Slice(1);
        await PushClicksAsync(driver, a, "a");
        var savepoint = await driver.SavepointAsync();
        await PushClicksAsync(driver, b, "b"); // logged after the savepoint, on all three partitions
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.StopAsync(drain: false)).Status);

        var refused = await Assert.ThrowsAsync<InvalidJobSettingsException>(() => driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: savepoint.Path)));
        Assert.Contains("ingest-log partition 2 of source 'clicks' holds", refused.Message);
        Assert.Contains("client stop sp-shrink --savepoint", refused.Message);
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.GetInfoAsync()).Status);

        // Four instances: partitions 0–2 replay what followed the savepoint, partition 3 starts at its (empty) end.
        var four = await driver.Manager.StartAsync(new JobStartOptions(4, Manual, FromSnapshot: savepoint.Path));
        Assert.Equal(4, four.Parallelism);
        await DrainAndCheckAsync(fixture, driver, job, a.Concat(b));
    }

    [Fact]
    public async Task A_start_at_another_parallelism_rescales_the_latest_checkpoint_and_failures_before_and_after_its_next_checkpoint_lose_and_repeat_nothing()
    {
        const string job = "sp-rescale-fail";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var a = Slice(0);
        var b = Slice(1);
        var c = Slice(2);
        await PushClicksAsync(driver, a, "a");
        var checkpoint = await driver.CheckpointAsync();
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.StopAsync(drain: false)).Status);

        // Three instances from a retained (incremental) checkpoint of two; an instance is lost before the next checkpoint:
        // the recovery rescales the same checkpoint again.
        var three = await driver.StartAsync(parallelism: 3, Manual);
        Assert.Equal((3, checkpoint), (three.Parallelism, three.RestoredCheckpoint));
        await PushClicksAsync(driver, b, "b");
        await LoseAnInstanceAsync(driver, job, restarts: 1);
        Assert.Equal(checkpoint, (await driver.Manager.GetInfoAsync()).RestoredCheckpoint);

        // After a checkpoint of its own, a loss restores that one (full pieces of the new key-group ranges).
        var next = await driver.CheckpointAsync();
        await PushClicksAsync(driver, c, "c");
        await LoseAnInstanceAsync(driver, job, restarts: 2);
        Assert.Equal(next, (await driver.Manager.GetInfoAsync()).RestoredCheckpoint);
        await DrainAndCheckAsync(fixture, driver, job, a.Concat(b).Concat(c));
    }

    private async Task LoseAnInstanceAsync(JobDriver driver, string job, int restarts)
    {
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/page-windows/2"));
        await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= restarts && i.Status == JobStatus.Running, $"recovery {restarts}");
    }

    [Fact]
    public async Task A_job_whose_source_chain_holds_a_map_rescales_from_2_to_3_to_1_with_every_window_once_and_every_total_right()
    {
        await using var driver = new JobDriver(fixture.Client, ChainedSourceJob.Name);
        await driver.StartAsync(parallelism: 2, Manual);
        var (a, b, c) = (Slice(0), Slice(1), Slice(2));
        await PushClicksAsync(driver, a, "a");
        var first = await driver.SavepointAsync(stop: true);
        await driver.Manager.StartAsync(new JobStartOptions(3, Manual, FromSnapshot: first.Path));
        await PushClicksAsync(driver, b, "b");
        var second = await driver.SavepointAsync(stop: true);
        await driver.Manager.StartAsync(new JobStartOptions(1, Manual, FromSnapshot: second.Path));
        await PushClicksAsync(driver, c, "c");
        await DrainAndCheckAsync(fixture, driver, ChainedSourceJob.Name, a.Concat(b).Concat(c));
    }

    [Fact]
    public async Task Fewer_sources_for_a_job_with_no_snapshot_to_start_from_are_refused_while_a_retired_partition_holds_events()
    {
        const string job = "sp-noshot";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 3, Manual); // no checkpoint is ever taken
        var a = Slice(0);
        await PushClicksAsync(driver, a, "a");
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.StopAsync(drain: false)).Status);

        var refused = await Assert.ThrowsAsync<InvalidJobSettingsException>(() => driver.Manager.StartAsync(new JobStartOptions(2, Manual)));
        Assert.Contains("ingest-log partition 2 of source 'clicks' holds", refused.Message);
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.GetInfoAsync()).Status);

        Assert.Equal(3, (await driver.Manager.StartAsync(new JobStartOptions(3, Manual))).Parallelism); // every partition read from 0 again
        await DrainAndCheckAsync(fixture, driver, job, a);
    }
}
