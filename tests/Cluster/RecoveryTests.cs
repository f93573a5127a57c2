using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Failures while a job runs on a three-silo cluster with Azurite. Each test pushes a seeded stream (retrying a
/// failed push with the same producer and sequence, as `client push` does), injects one failure, drains the job,
/// and compares what the sinks committed with an oracle computed here from the pushed events alone.
/// The result table is durable and checked in every case; the results stream (memory streams, which lose
/// events when a silo dies) is checked where no silo dies.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class RecoveryTests(FailureClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);
    private static readonly CheckpointSettings Checkpoints = new() { Interval = TimeSpan.FromMilliseconds(150), Timeout = TimeSpan.FromSeconds(10), Retained = 3 };
    private static readonly CheckpointSettings Manual = new() { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 3 };

    private sealed record WindowCount(string Key, DateTimeOffset Start, DateTimeOffset End, long Value);

    [Fact]
    public async Task Deactivating_an_operator_instance_mid_run_rolls_the_job_back_and_its_output_equals_the_oracle()
    {
        const string job = "fail-deactivate";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 41, count: 20_000);

        await driver.PushAsync(lines.Take(8_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);
        var injected = System.Diagnostics.Stopwatch.StartNew();
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/1"));
        var info = await RecoveredAsync(driver);
        output.WriteLine($"recovery time: {injected.ElapsedMilliseconds} ms from deactivating an instance to generation {info.Generation} running (restored checkpoint {info.RestoredCheckpoint})");
        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);

        Assert.NotNull(info.RestoredCheckpoint);
        Assert.Contains($"{job}/endpoint-totals/1", info.LastFailure); // the failure names the instance that lost its state
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    [Fact]
    public async Task Killing_a_silo_while_records_flow_rolls_the_job_back_and_its_output_equals_the_oracle()
    {
        const string job = "fail-kill";
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 3, Checkpoints);
        var (requests, lines) = Stream(seed: 43, count: 30_000);
        await driver.PushAsync(lines.Take(10_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        var pushing = driver.PushAsync(lines.Skip(10_000), batchSize: 250, retryFor: RetryFor);
        await Task.Delay(100);
        var injected = System.Diagnostics.Stopwatch.StartNew();
        await KillSiloHostingAsync(started);
        var info = await RecoveredAsync(driver);
        output.WriteLine($"recovery time: {injected.ElapsedMilliseconds} ms from killing a silo to generation {info.Generation} running (restored checkpoint {info.RestoredCheckpoint})");
        await pushing;

        Assert.True(info.Generation > started.Generation);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task Killing_a_silo_during_an_alignment_rolls_back_and_the_counts_equal_the_oracle()
    {
        await using var driver = new JobDriver(fixture.Client, StallingJob.Name);
        var started = await driver.StartAsync(parallelism: 2, Manual);
        var pushed = new List<long>();
        async Task PushAsync(int partition, long sequence, IEnumerable<long> numbers)
        {
            var list = numbers.ToList();
            await driver.PushToAsync(partition, $"align-{partition}", sequence, list.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), RetryFor);
            pushed.AddRange(list);
        }

        await PushAsync(0, 1, Enumerable.Range(0, 500).Select(n => (long)n));
        await PushAsync(1, 1, Enumerable.Range(500, 500).Select(n => (long)n));
        await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);

        StallingJob.Stall.Reset();
        Task stalling;
        try
        {
            stalling = PushAsync(1, 2, [-1]); // partition 1 stalls: its barrier will be late
            await Eventually.TrueAsync(() => Task.FromResult(StallingJob.Stalled.IsSet), "partition 1 to stall");
            await driver.Coordinator.TriggerCheckpointAsync();
            var held = PushAsync(0, 2, Enumerable.Range(1_000, 300).Select(n => (long)n)); // flows until partition 0's channels are held back
            await Task.Delay(300);
            await KillSiloHostingAsync(started);
            StallingJob.Stall.Set();
            await held;
        }
        finally
        {
            StallingJob.Stall.Set();
        }

        await stalling;

        await PushAsync(1, 3, Enumerable.Range(2_000, 300).Select(n => (long)n));
        await RecoveredAsync(driver);
        await driver.DrainAsync();
        foreach (var group in pushed.GroupBy(n => n % 4))
        {
            Assert.Equal(group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture), (await driver.Manager.QueryAsync(group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), live: true)).ValueJson);
        }
    }

    [Fact]
    public async Task Killing_a_silo_between_the_snapshot_uploads_and_the_completion_restores_the_checkpoint_before()
    {
        const string job = "fail-kill-upload";
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 2, Manual);
        var (requests, lines) = Stream(seed: 47, count: 12_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        var first = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);

        await driver.PushAsync(lines.Skip(4_000).Take(4_000), retryFor: RetryFor);
        using (FaultInjectingGrainStorage.HoldWrites((state, key) => key == $"{job}/endpoint-table/0" && state.StartsWith("chk-", StringComparison.Ordinal)))
        {
            var second = await driver.Coordinator.TriggerCheckpointAsync();
            var instances = started.Operators.Sum(o => o.Parallelism);
            await Eventually.TrueAsync(
                async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == second).Acknowledged == instances - 1,
                "every upload but the held one");
            await KillSiloHostingAsync(started);
            var info = await RecoveredAsync(driver);
            Assert.Equal(first, info.RestoredCheckpoint); // the second never completed
        }

        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task Killing_a_silo_after_a_checkpoint_completed_but_before_the_sinks_committed_commits_it_once()
    {
        const string job = "fail-kill-commit";
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 2, Manual);
        var (requests, lines) = Stream(seed: 53, count: 10_000);
        await driver.PushAsync(lines.Take(5_000), retryFor: RetryFor);

        using (FaultInjectingGrainStorage.HoldWrites((state, key) => state == "table" && key.StartsWith($"{job}/", StringComparison.Ordinal)))
        {
            var id = await driver.Coordinator.TriggerCheckpointAsync();
            await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint == id, "the checkpoint to complete");
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingGrainStorage.Matched > 0), "a table commit to be held");
            await KillSiloHostingAsync(started);
            await RecoveredAsync(driver);
        }

        await driver.PushAsync(lines.Skip(5_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

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
        Assert.Equal(afterWriting ? 1 : 0, driver.RetryCounts.Duplicates); // the logged batch was recognised, not logged twice
        await RecoveredAsync(driver);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
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

        var victim = await SiloOfAsync(driver.Manager);
        await KillSiloAsync(victim);
        await fixture.Cluster.StartAdditionalSiloAsync();

        // Nobody calls the job manager here: a surviving source's watchdog call brings it back on a live silo
        // (or, if every source died with it, the supervision reminder does).
        await ReactivatedElsewhereAsync(driver, [victim]);
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
        var victims = new HashSet<SiloAddress> { await SiloOfAsync(driver.Manager) };
        for (var p = 0; p < 2; p++)
        {
            victims.Add(await SiloOfAsync(fixture.Client.GetGrain<IOperatorGrain>(new TaskId(job, "requests", p).GrainKey)));
        }

        foreach (var _ in victims)
        {
            await fixture.Cluster.StartAdditionalSiloAsync(); // the cluster keeps at least as many silos as before
        }

        foreach (var victim in victims)
        {
            await KillSiloAsync(victim);
        }

        await ReactivatedElsewhereAsync(driver, victims);
        var info = await RecoveredAsync(driver); // the manager found its instances gone and rolled the job back
        output.WriteLine($"killed {victims.Count} silo(s); job back at generation {info.Generation} from checkpoint {info.RestoredCheckpoint}");
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task When_restarts_run_out_the_job_fails_with_the_reason_and_a_restart_from_its_last_checkpoint_still_yields_the_oracle()
    {
        const string job = "fail-exhausted";
        var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 71, count: 10_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        JobInfo failed;
        using (FaultInjectingSegmentStore.FailWrites(p => p.Job == job && p.Partition == 0, afterWriting: false, count: int.MaxValue))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => driver.PushAsync(lines.Skip(4_000), retryFor: TimeSpan.FromSeconds(20)));
            failed = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status == JobStatus.Failed, "the job to fail");
        }

        Assert.Contains("not restarted: it restarted 4 times", failed.FailureReason);
        Assert.Contains("injected failure before writing segment", failed.FailureReason);
        var restarted = await driver.Manager.StartAsync(new JobStartOptions(2, Checkpoints));
        Assert.Equal(JobStatus.Running, restarted.Status);
        Assert.NotNull(restarted.RestoredCheckpoint);
        await driver.PushAsync(lines.Skip(4_000), retryFor: RetryFor); // the same producers and sequences: accepted ones are recognised
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
        await driver.DisposeAsync();
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

        await CorruptSnapshotAsync(job, $"{job}/endpoint-totals/0", second!.Value);
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/window-counts/0"));
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);

        var info = await RecoveredAsync(driver);
        Assert.Equal(first, info.RestoredCheckpoint);
        Assert.Contains($"restored checkpoint {first} instead of a newer one that could not be read", info.LastFailure);
        Assert.Contains("is corrupt: checksum", info.LastFailure);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    private static (List<Request> Requests, List<string> Lines) Stream(int seed, int count)
    {
        var requests = new RequestGenerator(seed, eventsPerSecond: 500).Take(count).ToList();
        return (requests, requests.Select(RequestGenerator.ToJsonLine).ToList());
    }

    private static async Task CompletedCheckpointAsync(JobDriver driver, long after = 0) =>
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint > after, $"a checkpoint after {after} to complete", TimeSpan.FromSeconds(60));

    private Task KillSiloAsync(SiloAddress silo) => fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(silo)));

    private async Task<SiloAddress> SiloOfAsync(IAddressable grain) =>
        await fixture.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain) ?? throw new InvalidOperationException($"{grain} is not active");

    /// <summary>Waits, without calling the job manager itself, until it is active on a silo other than <paramref name="dead"/>.</summary>
    private Task ReactivatedElsewhereAsync(JobDriver driver, IReadOnlyCollection<SiloAddress> dead) =>
        Eventually.TrueAsync(
            async () => await fixture.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(driver.Manager) is { } silo && !dead.Contains(silo),
            "the job manager to be reactivated on a live silo", TimeSpan.FromSeconds(60));

    private static Task<JobInfo> RecoveredAsync(JobDriver driver) =>
        Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover", TimeSpan.FromSeconds(60));

    /// <summary>Kills a silo that hosts an instance of the job, then adds a fresh silo.</summary>
    private async Task KillSiloHostingAsync(JobInfo job)
    {
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var hosts = new HashSet<SiloAddress>();
        foreach (var task in job.Operators.SelectMany(o => Enumerable.Range(0, o.Parallelism).Select(p => new TaskId(job.Name, o.Uid, p))))
        {
            if (await management.GetActivationAddress(fixture.Client.GetGrain<IOperatorGrain>(task.GrainKey)) is { } address)
            {
                hosts.Add(address);
            }
        }

        // Rather not the first silo (the client's first gateway), but always one that hosts an instance.
        var victim = fixture.Cluster.Silos.Skip(1).FirstOrDefault(s => hosts.Contains(s.SiloAddress)) ?? fixture.Cluster.Silos.First(s => hosts.Contains(s.SiloAddress));
        await fixture.Cluster.KillSiloAsync(victim);
        await fixture.Cluster.StartAdditionalSiloAsync();
    }

    private async Task CorruptSnapshotAsync(string job, string taskKey, long checkpointId)
    {
        var blobs = await fixture.CheckpointBlobsAsync();
        var name = blobs.Single(b => b.Contains($"/{taskKey}.") && b.Contains(Runtime.Checkpointing.SnapshotStore.SnapshotStateName(checkpointId)) && b.Contains(job));
        var blob = new Azure.Storage.Blobs.BlobServiceClient(fixture.ConnectionString, new Azure.Storage.Blobs.BlobClientOptions(Azure.Storage.Blobs.BlobClientOptions.ServiceVersion.V2026_06_06))
            .GetBlobContainerClient(fixture.CheckpointsContainer).GetBlobClient(name);
        // Flip one byte of the payload (behind the 24-byte header): the blob still parses, but the payload no longer matches its checksum.
        var content = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.True(content.AsSpan().StartsWith("OCSNAP1\n"u8), "a snapshot blob starts with its header");
        content[24 + 10] ^= 0xFF;
        await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true);
    }

    /// <summary>Drains the job and compares the committed table (and, if asked, the committed windows) with counts of the pushed events.</summary>
    private static async Task AssertOutputEqualsOracleAsync(JobDriver driver, IReadOnlyList<Request> pushed, bool windows)
    {
        var finished = await driver.DrainAsync();
        Assert.Equal(JobStatus.Finished, finished.Status);
        var expected = RequestOracle.Totals(pushed).ToDictionary(t => t.Key, t => t.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var committed = new Dictionary<string, string>();
        foreach (var endpoint in RequestGenerator.Endpoints)
        {
            var result = await driver.Manager.QueryAsync(endpoint);
            Assert.True(result.Committed);
            if (result.ValueJson is { } value)
            {
                committed[endpoint] = value;
            }
        }

        Assert.Equal(expected, committed);
        if (windows)
        {
            var expectedWindows = RequestOracle.Windows(pushed);
            var results = await driver.ResultsAsync<WindowCount>(expectedWindows.Count);
            Assert.Equal(expectedWindows.Count, results.Count); // each window exactly once
            Assert.Equal(expectedWindows, results.ToDictionary(w => (w.Key, w.Start), w => w.Value));
        }
    }
}
