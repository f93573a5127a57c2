using System.Diagnostics;
using System.Text.Json;
using OrleansCheckpoint.Cli.Push;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Client;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// A job's restart strategy on the cluster: exponential backoff running out of attempts (the job fails with its
/// reason, and <c>client start</c> resumes it exactly once), and a stop during a backoff.
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class RestartStrategyRecoveryTests(FailureClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
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

        var json = await fixture.JobJsonAsync(job);
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
    public async Task A_stop_with_a_drain_during_a_restart_backoff_drains_the_job_once_it_has_recovered()
    {
        const string job = "fail-drain-backoff";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.SubscribeAsync();
        await driver.StartAsync(parallelism: 2, Manual, new RestartOverrides { Strategy = RestartKind.FixedDelay, Delay = TimeSpan.FromSeconds(3) });
        var (requests, lines) = Stream(seed: 97, count: 8_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        await driver.Coordinator.TriggerCheckpointAsync();
        await CompletedCheckpointAsync(driver);
        await driver.PushAsync(lines.Skip(4_000), retryFor: RetryFor); // acknowledged after the checkpoint: replayed by the recovery

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/0"));
        await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status == JobStatus.Restarting, "the job to wait out its 3 s restart delay");

        // Asked during the delay, the drain is kept for when the job runs again (it used to stop the job without one).
        var asked = await driver.Manager.StopAsync(drain: true);
        Assert.Equal(JobStatus.Restarting, asked.Status);
        Assert.True(asked.DrainRequested);
        Assert.True((await fixture.JobJsonAsync(job)).GetProperty("drainRequested").GetBoolean());

        // `client stop --drain`, asked again meanwhile, waits through the recovery and the drain; the job is never
        // seen running in between (a client waiting for the drain would take that for its end).
        using var watching = new CancellationTokenSource();
        var seen = WatchStatusesAsync(driver.Manager, watching.Token);
        var stop = await ClientCommandLineRun.RunAsync(fixture.Client, "stop", job, "--drain", "--timeout", "60", "--json");
        await watching.CancelAsync();
        Assert.DoesNotContain(JobStatus.Running, await seen);
        Assert.True(stop.ExitCode == 0, stop.Error);
        var stopped = JsonDocument.Parse(stop.Json).RootElement;
        Assert.Equal("Finished", stopped.GetProperty("status").GetString());
        Assert.Equal(1, stopped.GetProperty("restarts").GetInt32());
        Assert.False(stopped.GetProperty("drainRequested").GetBoolean());
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    private static async Task<HashSet<JobStatus>> WatchStatusesAsync(IJobManagerGrain manager, CancellationToken stop)
    {
        var seen = new HashSet<JobStatus>();
        while (!stop.IsCancellationRequested)
        {
            seen.Add((await manager.GetInfoAsync()).Status);
            await Task.Delay(10, CancellationToken.None);
        }

        return seen;
    }
}
