using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// The death of the job manager's silo (the checkpoint coordinator's host): between the snapshot uploads and the
/// checkpoint's completion, while the job runs, and together with every silo of the job's sources (only the
/// supervision reminder brings it back). The committed output is compared with the oracle as in <see cref="RecoveryTests"/>.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class CoordinatorFailureTests(FailureClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_coordinators_silo_between_the_snapshot_uploads_and_the_completion_restores_the_checkpoint_before()
    {
        const string job = "fail-kill-upload";
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 2, Manual);
        var (requests, lines) = Stream(seed: 47, count: 12_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        var first = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);

        await driver.PushAsync(lines.Skip(4_000).Take(4_000), retryFor: RetryFor);
        var coordinator = await fixture.MoveManagerUntilAsync(driver, (silo, hosts) => hosts.Contains(silo)); // its silo's death loses instances too
        using (FaultInjectingGrainStorage.HoldWrites((state, key) => key == job && state.StartsWith("manifest-", StringComparison.Ordinal)))
        {
            // The moment: every snapshot is uploaded and acknowledged, the manifest (the completion's first write) is held.
            var second = await driver.Coordinator.TriggerCheckpointAsync();
            var progress = await Eventually.ValueAsync(
                async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == second),
                c => c.Acknowledged == c.Total && FaultInjectingGrainStorage.Matched > 0,
                "every upload acknowledged and the manifest write held");
            Assert.Equal(CheckpointStatus.InProgress, progress.Status);
            await fixture.KillSiloAsync(coordinator);
            await fixture.Cluster.StartAdditionalSiloAsync();
            var info = await RecoveredAsync(driver);
            Assert.Equal(first, info.RestoredCheckpoint); // the second never completed
            Assert.Equal(first, info.LastCompletedCheckpoint);
        }

        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task Killing_the_silo_of_the_coordinator_loses_nothing()
    {
        const string job = "fail-kill-coordinator";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 67, count: 12_000);
        await driver.PushAsync(lines.Take(6_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        var victim = await fixture.SiloOfAsync(driver.Manager);
        await fixture.KillSiloAsync(victim);
        await fixture.Cluster.StartAdditionalSiloAsync();

        // Nobody calls the job manager here: a surviving source's watchdog call brings it back on a live silo
        // (or, if every source died with it, the supervision reminder does).
        await fixture.ReactivatedElsewhereAsync(driver, [victim]);
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);

        var before = (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint;
        await CompletedCheckpointAsync(driver, after: before ?? 0); // the coordinator is back and checkpointing
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task Killing_every_silo_of_the_coordinator_and_the_sources_resumes_the_job_by_its_reminder_and_loses_nothing()
    {
        const string job = "fail-kill-all-hosts";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 73, count: 12_000);
        await driver.PushAsync(lines.Take(6_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        // No source survives to call the job manager, and the test makes no call: only the reminder is left.
        var victims = new HashSet<SiloAddress> { await fixture.SiloOfAsync(driver.Manager) };
        for (var p = 0; p < 2; p++)
        {
            victims.Add(await fixture.SiloOfAsync(fixture.Client.GetGrain<IOperatorGrain>(new TaskId(job, "requests", p).GrainKey)));
        }

        foreach (var _ in victims)
        {
            await fixture.Cluster.StartAdditionalSiloAsync(); // the cluster keeps at least as many silos as before
        }

        foreach (var victim in victims)
        {
            await fixture.KillSiloAsync(victim);
        }

        await fixture.ReactivatedElsewhereAsync(driver, victims);
        var info = await RecoveredAsync(driver); // the manager found its instances gone and rolled the job back
        output.WriteLine($"killed {victims.Count} silo(s); job back at generation {info.Generation} from checkpoint {info.RestoredCheckpoint}");
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }
}
