using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// A delivery that waits on backpressure longer than Orleans' response timeout (2 s on this fixture's silos,
/// 30 s by default): the sender hears a real <see cref="TimeoutException"/>, sends the batch again, and the job
/// neither rolls back nor counts anything twice.
/// </summary>
[Collection(ShortResponseTimeoutCollection.Name)]
public sealed class ChannelTimeoutTests(ShortResponseTimeoutClusterFixture fixture)
{
    [Fact]
    public async Task A_delivery_held_up_longer_than_the_response_timeout_is_sent_again_without_a_rollback()
    {
        const int events = 1_000;
        await using var driver = new JobDriver(fixture.Client, GatedJob.Name);
        await driver.StartAsync(parallelism: 1, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        var source = await driver.SourceAsync(0);
        GatedJob.Gate.Reset(); // the counter blocks on its first record: the source's next deliveries get no answer
        try
        {
            await source.PushAsync(new PushBatch("producer", 1, 1, [.. Enumerable.Range(0, events).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))]));
            await Task.Delay(ShortResponseTimeoutClusterFixture.ResponseTimeout * 2.5); // the held delivery times out, twice
        }
        finally
        {
            GatedJob.Gate.Set();
        }

        var finished = await driver.DrainAsync();
        Assert.Equal(JobStatus.Finished, finished.Status);
        Assert.Equal(0, finished.Restarts);
        Assert.Null(finished.LastFailure);
        Assert.Equal(events, (await driver.Manager.GetMetricsAsync()).RecordsIn); // each record reached the counter once
    }
}

/// <summary>A two-silo cluster whose silos give up waiting for an answer after 2 s.</summary>
public sealed class ShortResponseTimeoutClusterFixture : ClusterFixture
{
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);

    protected override void ConfigureTestSilo(ISiloBuilder silo) =>
        silo.Configure<Orleans.Configuration.SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
}

[CollectionDefinition(Name)]
public sealed class ShortResponseTimeoutCollection : ICollectionFixture<ShortResponseTimeoutClusterFixture>
{
    public const string Name = "ShortResponseTimeoutCluster";
}
