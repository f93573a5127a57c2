using System.Globalization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>The committed results stream carries large commits whole (Orleans' stream cache drops items over about 1 MB).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ResultsStreamTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_commit_larger_than_a_stream_item_arrives_complete_and_once()
    {
        await using var driver = new JobDriver(fixture.Client, WideResultsJob.Name);
        await driver.StartAsync(parallelism: 1, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        var numbers = Enumerable.Range(0, 6_000).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();
        await driver.PushAsync(numbers, batchSize: 2_000);

        await driver.DrainAsync(); // one final commit of 6,000 × ~300 characters: about 1.8 MB
        var results = await driver.ResultsAsync<string>(6_000);

        Assert.Equal(numbers.Select(n => long.Parse(n, CultureInfo.InvariantCulture)), results.Select(r => long.Parse(r[..10], CultureInfo.InvariantCulture)).Order());
    }
}
