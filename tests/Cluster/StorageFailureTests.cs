using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Storage that fails under a running job: snapshot writes (within and beyond the tolerated checkpoint failures),
/// ingest-log writes (before and after they land), and a corrupt snapshot found on restore. The committed output is
/// compared with the oracle as in <see cref="RecoveryTests"/>.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class StorageFailureTests(FailureClusterFixture fixture)
{
    [Fact]
    public async Task Failed_snapshot_writes_abort_checkpoints_and_the_output_stays_exact()
    {
        const string job = "fail-snapshot-write";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints with { TolerableFailures = 100 });
        var (requests, lines) = Stream(seed: 59, count: 12_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        using (FaultInjectingGrainStorage.FailWrites((state, key) => key == $"{job}/window-counts/1" && state.StartsWith("chk-", StringComparison.Ordinal)))
        {
            await driver.PushAsync(lines.Skip(4_000).Take(4_000), retryFor: RetryFor);
            await Eventually.TrueAsync(async () => (await driver.Coordinator.GetCheckpointsAsync()).Count(c => c.Status == CheckpointStatus.Aborted) >= 2, "checkpoints to be aborted");
        }

        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver, after: (await driver.Coordinator.GetCheckpointsAsync()).Max(c => c.Id));
        Assert.Equal(0, (await driver.Manager.GetInfoAsync()).Restarts); // aborted checkpoints within tolerance: no failover
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    [Fact]
    public async Task A_failed_snapshot_write_beyond_the_tolerated_failures_rolls_the_job_back_and_the_output_stays_exact()
    {
        const string job = "fail-snapshot-failover";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints with { TolerableFailures = 0 });
        var (requests, lines) = Stream(seed: 83, count: 12_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        JobInfo failedOver;
        Task pushing;
        using (FaultInjectingGrainStorage.FailWrites((state, key) => key == $"{job}/window-counts/1" && state.StartsWith("chk-", StringComparison.Ordinal)))
        {
            pushing = driver.PushAsync(lines.Skip(4_000).Take(4_000), retryFor: RetryFor, eventsPerSecond: 10_000);
            failedOver = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1, "the failed checkpoint to roll the job back");
        }

        await pushing; // its retries span the rollback

        Assert.Contains("more than the 0 tolerated", failedOver.LastFailure);
        Assert.Contains("injected storage failure", failedOver.LastFailure);
        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);
        var info = await RecoveredAsync(driver);
        await CompletedCheckpointAsync(driver, after: info.RestoredCheckpoint ?? 0); // checkpoints complete again once writes succeed
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    [Theory]
    [InlineData("fail-ingest-lost-answer", true)]
    [InlineData("fail-ingest-write", false)]
    public async Task A_failed_ingest_write_fails_the_push_and_its_retry_is_counted_once(string job, bool afterWriting)
    {
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 61, count: 10_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);

        using (FaultInjectingSegmentStore.FailWrites(p => p.Job == job && p.Partition == 0, afterWriting, count: 1))
        {
            await driver.PushAsync(lines.Skip(4_000).Take(2_000), retryFor: RetryFor);
            Assert.Equal(1, FaultInjectingSegmentStore.Failed);
        }

        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);
        Assert.True(driver.RetryCounts.Retries >= 1);
        if (afterWriting)
        {
            // The logged batch was recognised, not logged twice (the other partition's push, cut off by the rollback, may have been logged too).
            Assert.True(driver.RetryCounts.Duplicates >= 1);
        }
        await RecoveredAsync(driver);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    [Fact]
    public async Task A_corrupt_checkpoint_is_skipped_loudly_and_the_one_before_is_restored()
    {
        const string job = "fail-corrupt";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var (requests, lines) = Stream(seed: 73, count: 9_000);
        await driver.PushAsync(lines.Take(3_000), retryFor: RetryFor);
        var first = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);
        await driver.PushAsync(lines.Skip(3_000).Take(3_000), retryFor: RetryFor);
        var second = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver, after: first!.Value);

        await fixture.CorruptSnapshotAsync(job, $"{job}/endpoint-totals/0", second!.Value);
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/window-counts/0"));
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);

        var info = await RecoveredAsync(driver);
        Assert.Equal(first, info.RestoredCheckpoint);
        Assert.Contains($"restored checkpoint {first} instead of a newer one that could not be read", info.LastFailure);
        Assert.Contains("is corrupt: checksum", info.LastFailure);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }
}
