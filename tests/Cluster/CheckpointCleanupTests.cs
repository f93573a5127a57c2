using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Cluster.CheckpointTests;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// What a checkpoint leaves in storage when an answer is lost: a completion recorded although its write's answer was an
/// error keeps its files; a snapshot that lands after its checkpoint was aborted does not stay for ever.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckpointCleanupTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_completion_whose_answer_was_lost_after_it_landed_keeps_the_checkpoint_s_files_and_the_job_restores_it()
    {
        const string job = "chk-lost-completion";
        await using var driver = new JobDriver(fixture.Client, job);
        var info = await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 1, TolerableFailures = 5 });
        var requests = new RequestGenerator(seed: 13).Take(3_000).ToList();
        await driver.PushAsync(requests.Take(1_000).Select(RequestGenerator.ToJsonLine));
        await CheckpointByHandAsync(driver);
        await driver.PushAsync(requests.Skip(1_000).Take(1_000).Select(RequestGenerator.ToJsonLine));

        // Checkpoint N's last snapshot is held until its trigger's state write is done; then the write that records N
        // as completed lands, but its answer is an error: the coordinator cannot tell whether N completed.
        var hold = FaultInjectingGrainStorage.HoldWrites((state, key) => key == $"{job}/window-counts/0" && state.StartsWith("chk-", StringComparison.Ordinal));
        var second = (await driver.Coordinator.TriggerCheckpointAsync())!.Value;
        await Eventually.TrueAsync(() => Task.FromResult(hold.Matched == 1), "the held snapshot");
        using (var lost = FaultInjectingGrainStorage.LoseAnswer((state, key) => key == job && state == "job"))
        {
            hold.Dispose();
            await Eventually.TrueAsync(() => Task.FromResult(lost.Matched == 1), "the completion's state write");
            await Task.Delay(300);
        }

        // The stored state lists N (and only N: one retained), so N's files must still be there.
        Assert.Equal(Instances(info) + 1, FilesOf(await fixture.CheckpointBlobsAsync(), job, second).Count);

        // And a failure restores N.
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/0"));
        var recovered = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status is JobStatus.Running or JobStatus.Failed, "the job to recover");
        Assert.Equal((JobStatus.Running, (long?)second), (recovered.Status, recovered.RestoredCheckpoint));
        await driver.PushAsync(requests.Skip(2_000).Select(RequestGenerator.ToJsonLine), retryFor: TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        foreach (var (endpoint, count) in RequestOracle.Totals(requests))
        {
            Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), (await driver.Manager.QueryAsync(endpoint)).ValueJson);
        }
    }

    [Fact]
    public async Task A_snapshot_uploaded_after_its_checkpoint_was_aborted_whose_acknowledgement_was_lost_is_deleted_when_a_later_checkpoint_completes()
    {
        const string job = "chk-orphan";
        await using var driver = new JobDriver(fixture.Client, job);
        var info = await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), TolerableFailures = 5 });
        await driver.PushAsync(new RequestGenerator(seed: 3).Take(1_000).Select(RequestGenerator.ToJsonLine));
        var id = (await driver.Coordinator.GetCheckpointsAsync()).Select(c => c.Id).DefaultIfEmpty(0).Max() + 1;
        var late = $"{job}/window-counts/0";

        // Checkpoint N is aborted while one instance's snapshot is still being written; that write then lands, and its
        // acknowledgement (which would have had it deleted) is lost.
        using (FaultInjectingDeliveries.LoseAcknowledgements(job, id, late))
        {
            using (var hold = FaultInjectingGrainStorage.HoldWrites((state, key) => key == late && state == SnapshotStore.SnapshotStateName(id)))
            {
                Assert.Equal(id, await driver.Coordinator.TriggerCheckpointAsync());
                await Eventually.TrueAsync(() => Task.FromResult(hold.Matched == 1), "the held snapshot");
                await driver.CoordinatorGateway.DeclineCheckpointAsync(info.Generation, new TaskId(job, "endpoint-totals", 0), id, "declined by the test");
                await Eventually.TrueAsync(async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id).Status == CheckpointStatus.Aborted, "checkpoint N to be aborted");
                await Eventually.TrueAsync(async () => FilesOf(await fixture.CheckpointBlobsAsync(), job, id).Count == 0, "the abort to delete N's snapshots");
                await Task.Delay(300); // (the delete of the held one, not written yet, too)
            }

            await Eventually.TrueAsync(async () => FilesOf(await fixture.CheckpointBlobsAsync(), job, id).Count == 1, "the late snapshot to land");
            await Task.Delay(300); // its acknowledgement is lost
        }

        Assert.Single(FilesOf(await fixture.CheckpointBlobsAsync(), job, id)); // referenced by nothing
        await CheckpointByHandAsync(driver);
        await Eventually.TrueAsync(async () => FilesOf(await fixture.CheckpointBlobsAsync(), job, id).Count == 0, "the orphan snapshot to be deleted");
    }
}
