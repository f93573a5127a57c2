using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Failures while a job runs on a three-silo cluster: after recovery, the job's state equals an oracle computed
/// here from the pushed events alone (nothing lost, nothing counted twice).
/// </summary>
[Collection(FailureClusterCollection.Name)]
public sealed class RecoveryTests(FailureClusterFixture fixture)
{
    private static readonly CheckpointSettings Checkpoints = new() { Interval = TimeSpan.FromMilliseconds(150), Timeout = TimeSpan.FromSeconds(10), Retained = 3 };

    [Fact]
    public async Task Deactivating_an_operator_instance_mid_run_rolls_the_job_back_and_its_totals_equal_the_oracle()
    {
        const string job = "fail-deactivate";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var requests = new RequestGenerator(seed: 41).Take(20_000).ToList();
        var lines = requests.Select(RequestGenerator.ToJsonLine).ToList();

        await driver.PushAsync(lines.Take(8_000), retryFor: TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null, "a completed checkpoint");
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/1"));
        await driver.PushAsync(lines.Skip(8_000), retryFor: TimeSpan.FromSeconds(30));

        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
        Assert.NotNull(info.RestoredCheckpoint);
        Assert.Contains($"{job}/endpoint-totals/1", info.LastFailure); // the failure names the instance that lost its state
        await AssertTotalsEqualOracleAsync(driver, requests);
    }

    [Fact]
    public async Task Killing_a_silo_while_records_flow_rolls_the_job_back_and_its_totals_equal_the_oracle()
    {
        const string job = "fail-kill";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 3, Checkpoints);
        var requests = new RequestGenerator(seed: 43).Take(30_000).ToList();
        var lines = requests.Select(RequestGenerator.ToJsonLine).ToList();
        await driver.PushAsync(lines.Take(10_000), retryFor: TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null, "a completed checkpoint");

        var pushing = driver.PushAsync(lines.Skip(10_000), batchSize: 250, retryFor: TimeSpan.FromSeconds(60));
        await Task.Delay(100);
        var victim = fixture.Cluster.Silos.Last();
        await fixture.Cluster.KillSiloAsync(victim);
        await pushing;
        await fixture.Cluster.StartAdditionalSiloAsync();

        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover", TimeSpan.FromSeconds(60));
        Assert.True(info.Generation > 1);
        await AssertTotalsEqualOracleAsync(driver, requests);
    }

    /// <summary>Drains the job (every window emitted, every instance done) and compares the totals with a count of the pushed events.</summary>
    private static async Task AssertTotalsEqualOracleAsync(JobDriver driver, IReadOnlyList<Request> pushed)
    {
        var finished = await driver.DrainAsync();
        Assert.Equal(JobStatus.Finished, finished.Status);
        var expected = pushed.GroupBy(r => r.Endpoint).ToDictionary(g => g.Key, g => g.Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var actual = new Dictionary<string, string>();
        foreach (var endpoint in RequestGenerator.Endpoints)
        {
            if ((await driver.Manager.QueryAsync(endpoint)).ValueJson is { } value)
            {
                actual[endpoint] = value;
            }
        }

        Assert.Equal(expected, actual);
    }
}
