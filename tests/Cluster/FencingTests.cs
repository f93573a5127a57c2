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
        await driver.ManagerGateway.ReportFailureAsync(new TaskId(job, "window-counts", 0), stale, "stale failure report");

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
            await driver.CoordinatorGateway.AcknowledgeCheckpointAsync(
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

    [Fact]
    public async Task A_deployment_cancelled_while_it_restores_gives_up_and_one_that_finishes_restoring_after_a_newer_one_leaves_the_newer_running()
    {
        const string job = "fence-deploy";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        await driver.PushAsync(Stream(seed: 5, count: 2_000).Lines, retryFor: RetryFor);
        var checkpoint = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver, after: checkpoint!.Value - 1);
        var task = new TaskId(job, "window-counts", 0);
        var handle = (await fixture.SiloService<SnapshotStore>().ReadManifestAsync(job, checkpoint.Value))!.Snapshots.Single(h => h.Task == task);
        await driver.Manager.StopAsync(drain: false); // the instance is now driven by hand, as a job manager would
        var instance = fixture.Client.GetGrain<IOperatorGrain>(task.GrainKey);
        TaskDeployment Deployment(long generation, SnapshotHandle? restore) => new(task, generation, 2, 128, restore, Checkpointing: true, LastCheckpointId: checkpoint.Value);

        // A deployment that is cancelled while it restores its state never starts.
        Task deploy;
        using (var hold = FaultInjectingGrainStorage.HoldReads((_, key) => key == task.GrainKey))
        {
            deploy = instance.DeployAsync(Deployment(100, handle));
            await Eventually.TrueAsync(() => Task.FromResult(hold.Matched == 1), "the restore to be under way");
            await instance.CancelAsync(100);
        }

        await deploy;
        Assert.Equal(InstanceState.NotRunning, await instance.GetStateAsync(100));

        // A deployment that finishes restoring after a newer one started leaves the newer one running, alone.
        using (var hold = FaultInjectingGrainStorage.HoldReads((_, key) => key == task.GrainKey))
        {
            deploy = instance.DeployAsync(Deployment(101, handle));
            await Eventually.TrueAsync(() => Task.FromResult(hold.Matched == 1), "the restore to be under way");
            await instance.DeployAsync(Deployment(102, restore: null));
        }

        await deploy;
        Assert.Equal(InstanceState.Running, await instance.GetStateAsync(102));
        Assert.Equal(InstanceState.NotRunning, await instance.GetStateAsync(101));
        await instance.CancelAsync(102);
        Assert.Equal(InstanceState.NotRunning, await instance.GetStateAsync(102));
    }

    [Fact]
    public async Task A_batch_of_a_newer_generation_than_the_instance_runs_is_refused_so_that_its_sender_retries_once_it_is_deployed()
    {
        const string job = "fence-newer";
        var task = new TaskId(job, "window-counts", 0);
        var instance = fixture.Client.GetGrain<IOperatorGrain>(task.GrainKey);
        var plan = fixture.SiloService<JobRegistry>().PlanOf(job, 2, 128);
        ChannelBatch Batch(long generation) => new ChannelBatch<Request>
        {
            Generation = generation, SenderVertex = plan["requests"].Index, SenderPartition = 0, Sequence = 1, Records = [],
        };

        await instance.DeployAsync(new TaskDeployment(task, 200, 2, 128));
        var refusal = await Assert.ThrowsAnyAsync<Exception>(() => instance.DeliverAsync(Batch(201)));
        Assert.IsType<Runtime.Operators.InstanceNotReadyException>(refusal);
        Assert.Contains("generation 201", refusal.Message);

        await instance.DeployAsync(new TaskDeployment(task, 201, 2, 128));
        await instance.DeliverAsync(Batch(201)); // the retry is taken
        await instance.DeliverAsync(Batch(200)); // and an older one dropped
        Assert.Equal(InstanceState.Running, await instance.GetStateAsync(201));
        await instance.CancelAsync(201);
    }
}
