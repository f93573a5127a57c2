using System.Globalization;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>A keyed rolling reduce keeps each key's running value exactly once across the loss of an instance.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RollingReduceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_rolling_sum_per_key_equals_the_sum_of_the_pushed_numbers_after_an_instance_is_lost()
    {
        await using var driver = new JobDriver(fixture.Client, RollingSumJob.Name);
        await driver.StartAsync(parallelism: 2);
        var random = new Random(17);
        var numbers = Enumerable.Range(0, 6_000).Select(_ => (long)random.Next(-1_000, 1_000_000)).ToList();
        var lines = numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();

        await driver.PushAsync(lines.Take(3_000), retryFor: TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint > 0, "a checkpoint");
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{RollingSumJob.Name}/sums/0"));
        await driver.PushAsync(lines.Skip(3_000), retryFor: TimeSpan.FromSeconds(60));
        var finished = await driver.DrainAsync();

        Assert.True(finished.Restarts >= 1, "the lost instance did not make the job recover");
        foreach (var group in numbers.GroupBy(n => n % 10))
        {
            var result = await driver.Manager.QueryAsync(group.Key.ToString(CultureInfo.InvariantCulture), live: true);
            Assert.Equal(group.Sum().ToString(CultureInfo.InvariantCulture), result.ValueJson);
        }
    }
}
