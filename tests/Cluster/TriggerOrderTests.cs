using System.Globalization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>Checkpoint triggers are separate calls: a source takes barriers only in the order of their checkpoints.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TriggerOrderTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_trigger_that_reaches_a_source_after_a_newer_one_is_declined_as_superseded_and_the_newer_checkpoint_completes()
    {
        const string job = FileOutputJob.TriggerOrderName;
        await using var driver = new JobDriver(fixture.Client, job);
        var settings = new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), MaxConcurrent = 2, MinPause = TimeSpan.Zero, TolerableFailures = 0 };
        await driver.StartAsync(parallelism: 2, settings);
        var numbers = Enumerable.Range(0, 4_000).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();
        await driver.PushAsync(numbers.Take(2_000), retryFor: TimeSpan.FromSeconds(60));
        var older = (await driver.Coordinator.GetCheckpointsAsync()).Select(c => c.Id).DefaultIfEmpty(0).Max() + 1;
        var newer = older + 1;

        // Checkpoint N's trigger to partition 0 is held until N + 1's has reached it; N + 1 cannot complete meanwhile
        // (partition 1's snapshot for it is held), so N is still in progress when its trigger finally arrives.
        using (FaultInjectingGrainStorage.HoldWrites((state, key) => key == $"{job}/numbers/1" && state == SnapshotStore.SnapshotStateName(newer)))
        {
            using (FaultInjectingDeliveries.HoldTriggers((key, id) => key == $"{job}/numbers/0" && id == older))
            {
                Assert.Equal(older, await driver.Coordinator.TriggerCheckpointAsync());
                Assert.Equal(newer, await driver.Coordinator.TriggerCheckpointAsync());
                await Eventually.TrueAsync(async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == newer).Acknowledged == 1, "partition 0's snapshot for N + 1");
            }

            var declined = await Eventually.ValueAsync(
                async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == older), c => c.Status != CheckpointStatus.InProgress, "checkpoint N to end");
            Assert.Equal(CheckpointStatus.Aborted, declined.Status);
            Assert.Contains($"after that of checkpoint {newer}", declined.FailureReason);
        }

        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint == newer, "checkpoint N + 1 to complete");
        Assert.Equal(0, (await driver.Manager.GetInfoAsync()).Restarts); // superseded: no failure counted (none is tolerated)

        await driver.PushAsync(numbers.Skip(2_000), retryFor: TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        var written = (await fixture.OutputFilesAsync($"{job}/")).Values.SelectMany(lines => lines).Select(long.Parse).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 4_000).Select(n => n * 2L), written);
    }
}
