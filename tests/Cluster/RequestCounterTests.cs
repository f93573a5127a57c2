using OrleansCheckpoint.Jobs.RequestCounter;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>The demo job on a real two-silo cluster with Azurite, checked against counts computed here from the same events.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RequestCounterTests(ClusterFixture fixture)
{
    private sealed record WindowCount(string Key, DateTimeOffset Start, DateTimeOffset End, long Value);

    [Theory]
    [InlineData("rc-oracle", 2, 20_000, 7)]
    [InlineData("rc-parallel-3", 3, 12_000, 11)]
    public async Task Window_counts_and_running_totals_equal_an_independent_count_of_the_pushed_events(string job, int parallelism, int events, int seed)
    {
        var requests = new RequestGenerator(seed, eventsPerSecond: 500).Take(events).ToList();
        var expectedWindows = RequestOracle.Windows(requests);
        var expectedTotals = RequestOracle.Totals(requests);
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism);

        var accepted = await driver.PushAsync(requests.Select(RequestGenerator.ToJsonLine));
        var finished = await driver.DrainAsync();
        var windows = await driver.ResultsAsync<WindowCount>(expectedWindows.Count);
        var totals = await QueryTotalsAsync(driver);

        Assert.Equal(JobStatus.Running, started.Status);
        Assert.Equal(events, accepted);
        Assert.Equal(JobStatus.Finished, finished.Status);
        Assert.Equal(expectedTotals, totals);
        Assert.All(windows, w => Assert.Equal(w.Start + RequestCounterJob.WindowSize, w.End));
        Assert.Equal(expectedWindows.Count, windows.Count); // each (endpoint, window) exactly once
        Assert.Equal(expectedWindows, windows.ToDictionary(w => (w.Key, w.Start), w => w.Value));
        var metrics = await driver.Manager.GetMetricsAsync();
        Assert.Equal(0, metrics.LateRecordsDropped);
        Assert.Equal(events, metrics.EventsAccepted);
    }

    [Fact]
    public async Task Requests_behind_the_watermark_of_their_partition_are_counted_as_late_and_left_out_of_windows()
    {
        await using var driver = new JobDriver(fixture.Client, "rc-late");
        await driver.StartAsync(parallelism: 1);
        var onTime = new RequestGenerator(seed: 3, eventsPerSecond: 100).Take(3_000).ToList(); // 30 s of event time
        var late = Enumerable.Range(0, 25).Select(i => new Request("/api/late", $"u{i}", RequestGenerator.Start.AddSeconds(1))).ToList();

        await driver.PushAsync(onTime.Select(RequestGenerator.ToJsonLine));
        await driver.PushAsync(late.Select(RequestGenerator.ToJsonLine)); // a later push: its window [0 s, 10 s) has closed
        await driver.DrainAsync();
        var expected = RequestOracle.Windows(onTime);
        var windows = await driver.ResultsAsync<WindowCount>(expected.Count);

        var metrics = await driver.Manager.GetMetricsAsync();
        Assert.Equal(late.Count, metrics.LateRecordsDropped);
        Assert.Equal(expected, windows.ToDictionary(w => (w.Key, w.Start), w => w.Value));
        Assert.Equal(late.Count, (await driver.Manager.QueryAsync("/api/late")).ValueJson is { } v ? long.Parse(v) : 0); // the running total still counts them
    }

    private static async Task<Dictionary<string, long>> QueryTotalsAsync(JobDriver driver)
    {
        var totals = new Dictionary<string, long>();
        foreach (var endpoint in RequestGenerator.Endpoints)
        {
            var result = await driver.Manager.QueryAsync(endpoint);
            if (result.ValueJson is not null)
            {
                totals[endpoint] = long.Parse(result.ValueJson);
            }
        }

        return totals;
    }
}
