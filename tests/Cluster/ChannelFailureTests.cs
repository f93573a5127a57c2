using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Channel calls between operator instances that fail (injected by a grain call filter on the silos): a refused
/// delivery rolls the job back and names the channel; a delivery whose answer times out is sent again, not failed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ChannelFailureTests(ClusterFixture fixture)
{

    [Fact]
    public async Task A_failed_delivery_between_instances_rolls_the_job_back_naming_the_channel_and_the_output_equals_the_oracle()
    {
        const string job = "channel-fail";
        var receiver = $"{job}/endpoint-totals/1";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 97, count: 12_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        using (FaultInjectingDeliveries.Fail(key => key == receiver, timeOut: false))
        {
            await driver.PushAsync(lines.Skip(4_000).Take(4_000), retryFor: RetryFor);
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingDeliveries.Failed == 1), "a delivery to fail");
        }

        var info = await RecoveredAsync(driver);
        Assert.Matches($"Delivering batch \\d+ from {job}/requests/\\d to {receiver} failed: injected failure of a delivery to {receiver}", info.LastFailure);
        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    [Fact]
    public async Task A_delivery_whose_answer_times_out_is_sent_again_without_a_rollback_and_counted_once()
    {
        const string job = "channel-timeout";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 101, count: 12_000);
        await driver.PushAsync(lines.Take(4_000), retryFor: RetryFor);
        await CompletedCheckpointAsync(driver);

        // The receivers take each of these batches, but their senders hear a timeout, as when a receiver waits for
        // room longer than Orleans' response timeout.
        using (FaultInjectingDeliveries.Fail(key => key.StartsWith($"{job}/endpoint-totals/", StringComparison.Ordinal), timeOut: true, count: 6, skip: 4))
        {
            await driver.PushAsync(lines.Skip(4_000).Take(4_000), retryFor: RetryFor);
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingDeliveries.Failed == 6), "six deliveries to time out");
        }

        await driver.PushAsync(lines.Skip(8_000), retryFor: RetryFor);
        var info = await driver.Manager.GetInfoAsync();
        Assert.Equal(0, info.Restarts);
        Assert.Null(info.LastFailure);
        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }

    [Fact]
    public async Task A_drain_whose_finished_instances_reports_are_lost_still_finishes_and_the_output_equals_the_oracle()
    {
        const string job = "drain-lost-report";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.SubscribeAsync();
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var (requests, lines) = Stream(seed: 101, count: 6_000);
        await driver.PushAsync(lines, retryFor: RetryFor);

        using (FaultInjectingDeliveries.LoseFinishedReports(job, count: 2))
        {
            // The manager's heartbeat asks each instance how it is: finished ones are recorded as finished.
            var finished = await driver.DrainAsync();
            Assert.Equal(JobStatus.Finished, finished.Status);
            Assert.Equal(0, finished.Restarts);
            Assert.Equal(2, FaultInjectingDeliveries.ReportsLost);
        }

        await AssertOutputEqualsOracleAsync(driver, requests, windows: true);
    }
}
