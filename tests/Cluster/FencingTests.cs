using Microsoft.Extensions.Options;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Runtime.JobManagement;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Generation fencing: after a recovery, a channel batch, a checkpoint acknowledgement and a failure report from
/// the generation before are each dropped — no state changes, no checkpoint completes, no restart.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FencingTests(ClusterFixture fixture)
{

    [Fact]
    public async Task A_batch_an_acknowledgement_and_a_failure_report_from_an_older_generation_are_dropped()
    {
        const string job = "fence-stale";
        const int parallelism = 2;
        var manual = new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 3 };
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism, manual);
        var (requests, lines) = Stream(seed: 89, count: 10_000);
        await driver.PushAsync(lines.Take(5_000), retryFor: RetryFor);
        var first = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver, after: first!.Value - 1);

        // A recovery that replays nothing (the checkpoint follows every pushed event): the new generation's channels
        // are fresh, so a stale batch numbered 1 would be taken as their first one, were it not fenced.
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/1"));
        var recovered = await RecoveredAsync(driver);
        var stale = recovered.Generation - 1;
        Assert.True(stale >= started.Generation);

        // 1. A channel batch of the old generation, on the source's real channel into each partition of the counter.
        var plan = fixture.SiloService<JobRegistry>().PlanOf(job, parallelism, fixture.SiloService<IOptions<OrleansCheckpointOptions>>().Value.MaxParallelism);
        var extra = Enumerable.Range(0, 50).Select(i => new StreamRecord<Request>(new Request(RequestGenerator.Endpoints[0], $"stale-{i}", requests[0].Timestamp), requests[0].Timestamp.ToUnixTimeMilliseconds())).ToArray();
        for (var p = 0; p < parallelism; p++)
        {
            await fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/{p}").DeliverAsync(new ChannelBatch<Request>
            {
                Generation = stale, SenderVertex = plan["requests"].Index, SenderPartition = 0, Sequence = 1, Records = extra,
            });
        }

        // 2. A failure report of the old generation.
        await driver.Manager.ReportFailureAsync(new TaskId(job, "window-counts", 0), stale, "stale failure report");

        // 3. An acknowledgement of the old generation for the one snapshot a checkpoint of this generation still owes.
        var held = $"{job}/window-counts/0";
        long second;
        using (FaultInjectingGrainStorage.HoldWrites((state, key) => key == held && state.StartsWith("chk-", StringComparison.Ordinal)))
        {
            second = (await driver.Coordinator.TriggerCheckpointAsync())!.Value;
            var instances = started.Operators.Sum(o => o.Parallelism);
            await Eventually.TrueAsync(
                async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == second).Acknowledged == instances - 1,
                "every snapshot but the held one");
            await driver.Coordinator.AcknowledgeCheckpointAsync(
                stale, new SnapshotHandle(TaskId.Parse(held), second, SnapshotStore.SnapshotStateName(second), 100, "0", 0, 0, 0));
            await Task.Delay(500);

            var pending = (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == second);
            Assert.Equal(CheckpointStatus.InProgress, pending.Status); // the stale ack completed nothing
            Assert.Equal(instances - 1, pending.Acknowledged);
            Assert.Equal(first, (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint);
        }

        await CompletedCheckpointAsync(driver, after: second - 1); // the real acknowledgement completes it
        var info = await driver.Manager.GetInfoAsync();
        Assert.Equal((recovered.Generation, recovered.Restarts), (info.Generation, info.Restarts)); // no new restart
        Assert.DoesNotContain("stale failure report", info.LastFailure ?? string.Empty);

        await driver.PushAsync(lines.Skip(5_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true); // the stale records were never counted
        Assert.Equal(recovered.Restarts, (await driver.Manager.GetInfoAsync()).Restarts);
    }
}
