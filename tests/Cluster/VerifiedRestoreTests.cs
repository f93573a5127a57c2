using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// A restore that finds a snapshot of its newest checkpoint damaged (bytes flipped in the blob through the Azure SDK)
/// falls back to the checkpoint before and says so where clients look: <c>client jobs --json</c>'s
/// <c>skippedCheckpoints</c> names the checkpoint skipped, why (the instance and its snapshot) and what was restored
/// instead. With no readable checkpoint left the job fails at once, naming the snapshot. The committed totals are
/// compared with <see cref="RequestOracle"/> computed from the pushed events alone.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class VerifiedRestoreTests(FailureClusterFixture fixture)
{
    public const string FallbackJob = "verify-fallback";
    public const string UnreadableJob = "verify-unreadable";

    [Fact]
    public async Task A_damaged_snapshot_of_one_instance_makes_the_restore_fall_back_visibly_and_the_output_equals_the_oracle()
    {
        await using var driver = new JobDriver(fixture.Client, FallbackJob);
        await driver.StartAsync(parallelism: 2, Manual);
        var (requests, lines) = Stream(seed: 101, count: 9_000);
        var (first, second) = await TwoCheckpointsAsync(driver, lines);
        var damaged = $"{FallbackJob}/endpoint-totals/0";
        await SnapshotBlobs.CorruptAsync(fixture, await SnapshotBlobs.NewestOfAsync(fixture, damaged));

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{FallbackJob}/window-counts/1"));
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);
        var info = await RecoveredAsync(driver);

        Assert.Equal(first, info.RestoredCheckpoint);
        var skipped = Assert.Single(info.SkippedCheckpoints!);
        Assert.Equal(second, skipped.CheckpointId);
        Assert.Equal(first, skipped.RestoredFrom);
        Assert.Contains(damaged, skipped.Reason);

        var json = (await fixture.JobJsonAsync(FallbackJob)).GetProperty("skippedCheckpoints");
        var entry = Assert.Single(json.EnumerateArray());
        Assert.Equal(second, entry.GetProperty("checkpointId").GetInt64());
        Assert.Equal(first, entry.GetProperty("restoredFrom").GetInt64());
        Assert.Contains(damaged, entry.GetProperty("reason").GetString());
        Assert.True(entry.GetProperty("at").GetDateTimeOffset() <= DateTimeOffset.UtcNow);

        var table = await Client.ClientCommandLineRun.RunAsync(fixture.Client, "jobs");
        Assert.Contains($"{second} → {first}", table.Out);

        // The events are part of the job's stored state (its blob in the jobs container), which a new activation of its
        // manager reads back. (Whether the call below meets the new activation is up to timing: the job's reminder and its
        // sources' watchdogs may reactivate the manager at once.)
        Assert.Contains(await JobStateBlobsAsync(FallbackJob), text => text.Contains("RestoredFrom", StringComparison.OrdinalIgnoreCase));
        await fixture.Cluster.DeactivateAsync(driver.Manager);
        Assert.Equal(skipped, Assert.Single((await driver.Manager.GetInfoAsync()).SkippedCheckpoints!));

        // The exception history's entry of the failure says which checkpoints its restart skipped.
        var failure = (await driver.Manager.GetFailuresAsync())[0];
        Assert.Equal(first, failure.RestoredCheckpoint);
        Assert.Equal([second], failure.SkippedCheckpoints!);

        // The result table holds the latest value per key: replaying from the older checkpoint converges on the oracle.
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task With_every_retained_checkpoint_damaged_the_job_fails_at_once_naming_the_snapshot()
    {
        await using var driver = new JobDriver(fixture.Client, UnreadableJob);
        await driver.StartAsync(parallelism: 2, Manual);
        var (_, lines) = Stream(seed: 103, count: 6_000);
        var (first, second) = await TwoCheckpointsAsync(driver, lines);
        var damaged = $"{UnreadableJob}/endpoint-totals/1";
        foreach (var blob in await SnapshotBlobs.OfAsync(fixture, damaged))
        {
            await SnapshotBlobs.CorruptAsync(fixture, blob.Name);
        }

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{UnreadableJob}/window-counts/0"));
        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status == JobStatus.Failed, "the job to fail", TimeSpan.FromSeconds(60));

        Assert.Equal(1, info.Restarts); // failed on its first restore: no attempt of the restart strategy was spent on it
        Assert.Contains("No retained checkpoint", info.FailureReason);
        Assert.Contains(damaged, info.FailureReason);
        Assert.Equal([second, first], info.SkippedCheckpoints!.Select(s => s.CheckpointId));
        Assert.All(info.SkippedCheckpoints!, s => Assert.Null(s.RestoredFrom));
        Assert.All(info.SkippedCheckpoints!, s => Assert.Contains(damaged, s.Reason));
    }

    /// <summary>The text of the blobs in the jobs container whose name holds <paramref name="job"/>.</summary>
    private async Task<List<string>> JobStateBlobsAsync(string job)
    {
        var texts = new List<string>();
        var container = fixture.Container(fixture.JobsContainer);
        await foreach (var blob in container.GetBlobsAsync())
        {
            if (blob.Name.Contains(job, StringComparison.Ordinal))
            {
                texts.Add((await container.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());
            }
        }

        return texts;
    }

    /// <summary>Pushes the first two thirds of <paramref name="lines"/> with a completed checkpoint after each third.</summary>
    private static async Task<(long First, long Second)> TwoCheckpointsAsync(JobDriver driver, List<string> lines)
    {
        var third = lines.Count / 3;
        await driver.PushAsync(lines.Take(third), retryFor: RetryFor);
        var first = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);
        await driver.PushAsync(lines.Skip(third).Take(third), retryFor: RetryFor);
        var second = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver, after: first!.Value);
        return (first.Value, second!.Value);
    }
}
