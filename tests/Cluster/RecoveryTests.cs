using System.Diagnostics;
using System.Text.Json;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Client;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Failures of operator instances and of the silos that run them, while a job runs on a three-silo cluster with
/// Azurite. Each test pushes a seeded stream through the client's own pusher (which retries a failed push with the
/// same producer and sequence), injects one failure, drains the job, and compares what the sinks committed with an
/// oracle computed here from the pushed events alone. The seeded theories run the seeds of <see cref="TestSeeds"/>
/// (more with ORLEANSCHECKPOINT_TEST_SEEDS). The result table is durable and checked in every case; the results
/// stream (memory streams, which lose events when a silo dies) is checked where no silo dies. The coordinator's
/// failures, storage failures and the restart strategy have classes of their own, built the same way.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class RecoveryTests(FailureClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
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
        var json = await fixture.JobJsonAsync(job);
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
}
