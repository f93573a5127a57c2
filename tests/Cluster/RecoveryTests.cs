using System.Diagnostics;
using System.Text.Json;
using OrleansCheckpoint.Client.Push;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Client;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Failures while a job runs on a three-silo cluster with Azurite. Each test pushes a seeded stream through the
/// client's own pusher (which retries a failed push with the same producer and sequence), injects one failure,
/// drains the job, and compares what the sinks committed with an oracle computed here from the pushed events alone.
/// The seeded theories run the seeds of <see cref="TestSeeds"/> (more with ORLEANSCHECKPOINT_TEST_SEEDS).
/// The result table is durable and checked in every case; the results stream (memory streams, which lose
/// events when a silo dies) is checked where no silo dies.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class RecoveryTests(FailureClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    internal static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);
    private static readonly CheckpointSettings Checkpoints = new() { Interval = TimeSpan.FromMilliseconds(150), Timeout = TimeSpan.FromSeconds(10), Retained = 3 };
    internal static readonly CheckpointSettings Manual = new() { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 3 };

    public static TheoryData<int> Seeds => TestSeeds.Theory;

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Deactivating_operator_instances_mid_run_rolls_the_job_back_once_and_jobs_json_shows_the_recovery(int seed)
    {
        var job = TestSeeds.JobName("fail-deactivate", seed);
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 2, Manual);
        var (requests, lines) = Stream(seed, count: 20_000);

        await driver.PushAsync(lines.Take(8_000), retryFor: RetryFor);
        var checkpoint = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);
        var lost = new[] { $"{job}/endpoint-totals/1", $"{job}/window-counts/0" };
        var injected = Stopwatch.StartNew();
        await Task.WhenAll(lost.Select(key => fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>(key))));
        var info = await RecoveredAsync(driver);
        output.WriteLine($"recovery time: {injected.ElapsedMilliseconds} ms from deactivating two instances to generation {info.Generation} running (restored checkpoint {info.RestoredCheckpoint})");

        // What `client jobs --json` says after the recovery: one restart, one generation more, the checkpoint taken, the instances lost.
        var json = await JobJsonAsync(job);
        Assert.Equal("Running", json.GetProperty("status").GetString());
        Assert.Equal(1, json.GetProperty("restarts").GetInt32());
        Assert.Equal(started.Generation + 1, json.GetProperty("generation").GetInt64());
        Assert.Equal(checkpoint, json.GetProperty("restoredCheckpoint").GetInt64());
        Assert.Equal(checkpoint, json.GetProperty("lastCompletedCheckpoint").GetInt64());
        Assert.All(lost, key => Assert.Contains(key, json.GetProperty("lastFailure").GetString()));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("failureReason").ValueKind);
        if (seed == TestSeeds.Fixed[0])
        {
            // … and the table for people, once.
            var table = await ClientCommandLineRun.RunAsync(fixture.Client, "jobs");
            Assert.Equal(0, table.ExitCode);
            Assert.Contains(job, table.Out);
            Assert.Contains("restored", table.Out);
        }

        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Killing_a_silo_while_records_flow_rolls_the_job_back_and_its_output_equals_the_oracle(int seed)
    {
        var job = TestSeeds.JobName("fail-kill", seed);
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 3, Checkpoints);
        var (requests, lines) = Stream(seed, count: 30_000);
        await driver.PushAsync(lines.Take(10_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        // A throttled push (about 2.5 s): the silo dies while it is under way.
        var pushing = driver.PushAsync(lines.Skip(10_000), batchSize: 250, retryFor: RetryFor, eventsPerSecond: 8_000);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).EventsAccepted >= 12_000, "the push to be under way");
        Assert.False(pushing.IsCompleted, "the push is still running when the silo is killed");
        var injected = Stopwatch.StartNew();
        await fixture.KillSiloHostingAsync(started);
        var info = await RecoveredAsync(driver);
        output.WriteLine($"recovery time: {injected.ElapsedMilliseconds} ms from killing a silo to generation {info.Generation} running (restored checkpoint {info.RestoredCheckpoint})");
        await pushing;

        Assert.True(info.Generation > started.Generation);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task Killing_a_silo_during_an_alignment_rolls_back_and_the_committed_counts_equal_the_oracle()
    {
        await using var driver = new JobDriver(fixture.Client, StallingJob.WithTableName);
        var started = await driver.StartAsync(parallelism: 2, Manual);
        var pushed = new List<long>();
        async Task PushAsync(int partition, long sequence, IEnumerable<long> numbers)
        {
            var list = numbers.ToList();
            await driver.PushToAsync(partition, $"align-{partition}", sequence, list.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), RetryFor);
            pushed.AddRange(list); // acknowledged
        }

        await PushAsync(0, 1, Enumerable.Range(0, 500).Select(n => (long)n));
        await PushAsync(1, 1, Enumerable.Range(500, 500).Select(n => (long)n));
        await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);

        StallingJob.TableStall.Reset();
        Task stalling;
        try
        {
            stalling = PushAsync(1, 2, [-1]); // partition 1 stalls: its barrier will be late
            await Eventually.TrueAsync(() => Task.FromResult(StallingJob.TableStalled.IsSet), "partition 1 to stall");
            var aligning = await driver.Coordinator.TriggerCheckpointAsync();
            var held = PushAsync(0, 2, Enumerable.Range(1_000, 300).Select(n => (long)n)); // flows until partition 0's channels are held back

            // The moment: partition 0's source has acknowledged, the counts wait for partition 1's barrier.
            var progress = await Eventually.ValueAsync(
                async () => (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == aligning),
                c => c.Acknowledged >= 1,
                "the first acknowledgement of the aligning checkpoint");
            Assert.Equal(CheckpointStatus.InProgress, progress.Status);
            Assert.InRange(progress.Acknowledged, 1, progress.Total - 1);
            await fixture.KillSiloHostingAsync(started);
            StallingJob.TableStall.Set();
            await held;
        }
        finally
        {
            StallingJob.TableStall.Set();
        }

        await stalling;

        await PushAsync(1, 3, Enumerable.Range(2_000, 300).Select(n => (long)n));
        await RecoveredAsync(driver);
        await driver.DrainAsync();
        foreach (var group in pushed.GroupBy(n => n % 4))
        {
            var committed = await driver.Manager.QueryAsync(group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(committed.Committed);
            Assert.Equal(group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture), committed.ValueJson);
        }
    }

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
        var coordinator = await MoveManagerUntilAsync(fixture, driver, (silo, hosts) => hosts.Contains(silo)); // its silo's death loses instances too
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
    public async Task Killing_a_silo_after_a_checkpoint_completed_but_before_the_sinks_committed_commits_it_once()
    {
        const string job = "fail-kill-commit";
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 2, Manual);
        var (requests, lines) = Stream(seed: 53, count: 10_000);
        await driver.PushAsync(lines.Take(5_000), retryFor: RetryFor);

        long? id;
        using (var hold = FaultInjectingGrainStorage.HoldWrites((state, key) => state == "table" && key.StartsWith($"{job}/", StringComparison.Ordinal)))
        {
            id = await driver.Coordinator.TriggerCheckpointAsync();
            await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint == id, "the checkpoint to complete");
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingGrainStorage.Matched > 0), "a table commit to be held");
            await fixture.KillSiloHostingAsync(started);
            hold.Fail(); // the held commits never happen: only the restored instances' re-commits can write the table
        }

        Assert.Equal(id, (await RecoveredAsync(driver)).RestoredCheckpoint); // restored with the completed checkpoint's pre-committed table writes
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

        await ReactivatedElsewhereAsync(driver, victims);
        var info = await RecoveredAsync(driver); // the manager found its instances gone and rolled the job back
        output.WriteLine($"killed {victims.Count} silo(s); job back at generation {info.Generation} from checkpoint {info.RestoredCheckpoint}");
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    [Fact]
    public async Task When_exponential_backoff_runs_out_of_attempts_the_job_fails_with_the_reason_and_client_start_resumes_it_exactly()
    {
        const string job = "fail-exhausted";
        var driver = new JobDriver(fixture.Client, job);
        await driver.SubscribeAsync();
        var start = await ClientCommandLineRun.RunAsync(
            fixture.Client, "start", job, "--parallelism", "2", "--checkpoint-interval", "150ms", "--checkpoint-timeout", "10s", "--retained-checkpoints", "3",
            "--restart-strategy", "exponential-backoff", "--restart-delay", "100ms", "--restart-max-delay", "400ms", "--restart-attempts", "3", "--restart-window", "1m", "--json");
        Assert.True(start.ExitCode == 0, start.Error);
        Assert.StartsWith("exponential-backoff 100 ms to 400 ms", JsonDocument.Parse(start.Json).RootElement.GetProperty("restartStrategy").GetString());
        var (requests, lines) = Stream(seed: 71, count: 10_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        // Every ingest write of partition 0 fails: each restart fails again, 100, 200, 400 ms apart, until the attempts run out.
        JobInfo failed;
        using (FaultInjectingSegmentStore.FailWrites(p => p.Job == job && p.Partition == 0, afterWriting: false, count: int.MaxValue))
        {
            await Assert.ThrowsAsync<PushFailedException>(() => driver.PushAsync(lines.Skip(4_000), retryFor: TimeSpan.FromSeconds(20), producer: "exhausted"));
            failed = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status == JobStatus.Failed, "the job to fail");
        }

        var json = await JobJsonAsync(job);
        Assert.Equal("Failed", json.GetProperty("status").GetString());
        Assert.Equal(3, json.GetProperty("restarts").GetInt32());
        var reason = json.GetProperty("failureReason").GetString();
        Assert.Contains("not restarted: it restarted 3 times within 60 s, the most its restart strategy (exponential-backoff", reason);
        Assert.Contains("injected failure before writing segment", reason);

        var restart = await ClientCommandLineRun.RunAsync(fixture.Client, "start", job, "--parallelism", "2", "--json");
        Assert.True(restart.ExitCode == 0, restart.Error);
        var restarted = JsonDocument.Parse(restart.Json).RootElement;
        Assert.Equal("Running", restarted.GetProperty("status").GetString());
        Assert.Equal(failed.LastCompletedCheckpoint, restarted.GetProperty("restoredCheckpoint").GetInt64());

        // The same input as the same producer: every batch has the identity it had, so what partition 1 logged before
        // the failure is recognised, not counted twice, and what was refused is logged now.
        await driver.PushAsync(lines.Skip(4_000), retryFor: RetryFor, producer: "exhausted");
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
        await driver.DisposeAsync();
    }

    [Fact]
    public async Task A_stop_during_a_restart_backoff_is_answered_at_once_and_cancels_the_restart()
    {
        const string job = "fail-stop-backoff";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual, new RestartOverrides { Strategy = RestartKind.ExponentialBackoff, Delay = TimeSpan.FromSeconds(20), MaxDelay = TimeSpan.FromSeconds(30) });
        var (requests, lines) = Stream(seed: 89, count: 8_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        var checkpoint = await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/0"));
        await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status == JobStatus.Restarting, "the job to wait out its 20 s restart delay");

        // The job manager does not sit in the delay: calls that need it to themselves are answered at once.
        var clock = Stopwatch.StartNew();
        Assert.Null(await driver.Coordinator.TriggerCheckpointAsync()); // no checkpoints while restarting
        var stopped = await driver.Manager.StopAsync(drain: false);
        output.WriteLine($"trigger and stop answered {clock.ElapsedMilliseconds} ms into a 20 s restart delay");
        Assert.Equal(JobStatus.Stopped, stopped.Status);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.GetInfoAsync()).Status); // the stop cancelled the restart

        var restarted = await driver.StartAsync(parallelism: 2, Manual);
        Assert.Equal(JobStatus.Running, restarted.Status);
        Assert.Equal(checkpoint, restarted.RestoredCheckpoint);
        Assert.Equal(0, restarted.Restarts);
        await driver.PushAsync(lines.Skip(4_000), retryFor: RetryFor);
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

        await CorruptSnapshotAsync(job, $"{job}/endpoint-totals/0", second!.Value);
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/window-counts/0"));
        await driver.PushAsync(lines.Skip(6_000), retryFor: RetryFor);

        var info = await RecoveredAsync(driver);
        Assert.Equal(first, info.RestoredCheckpoint);
        Assert.Contains($"restored checkpoint {first} instead of a newer one that could not be read", info.LastFailure);
        Assert.Contains("is corrupt: checksum", info.LastFailure);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    /// <summary>Waits, without calling the job manager itself, until it is active on a silo other than <paramref name="dead"/>.</summary>
    private Task ReactivatedElsewhereAsync(JobDriver driver, IReadOnlyCollection<SiloAddress> dead) =>
        Eventually.TrueAsync(
            async () => await fixture.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(driver.Manager) is { } silo && !dead.Contains(silo),
            "the job manager to be reactivated on a live silo", TimeSpan.FromSeconds(60));

    /// <summary>
    /// Deactivates the job manager until it is reactivated (placed at random) on a silo for which
    /// <paramref name="placed"/> holds, given the silos hosting the job's instances; returns that silo.
    /// </summary>
    internal static async Task<SiloAddress> MoveManagerUntilAsync(ClusterFixture fixture, JobDriver driver, Func<SiloAddress, HashSet<SiloAddress>, bool> placed)
    {
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var info = await driver.Manager.GetInfoAsync();
            var silo = await fixture.SiloOfAsync(driver.Manager);
            if (placed(silo, await fixture.HostsOfAsync(info)))
            {
                if (attempt > 0)
                {
                    // A new activation looks up its instances' silos and starts following membership on its first
                    // supervision tick (within 100 ms); a silo killed before then is noticed by the heartbeat instead.
                    await Task.Delay(500);
                }

                return silo;
            }

            await fixture.Cluster.DeactivateAsync(driver.Manager);
            try
            {
                await Eventually.TrueAsync(async () => await fixture.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(driver.Manager) is null, "the job manager to deactivate", TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                // not deactivated (yet): ask again
            }
        }

        throw new InvalidOperationException("the job manager was never placed as wanted");
    }

    /// <summary>The job as <c>client jobs --json</c> shows it.</summary>
    private async Task<JsonElement> JobJsonAsync(string job)
    {
        var run = await ClientCommandLineRun.RunAsync(fixture.Client, "jobs", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        return JsonDocument.Parse(run.Json).RootElement.EnumerateArray().Single(j => j.GetProperty("name").GetString() == job).Clone();
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
}
