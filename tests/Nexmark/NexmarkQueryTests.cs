using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Nexmark;

/// <summary>
/// The Nexmark queries as jobs on the two-silo cluster with Azurite, each over a small seeded stream (with
/// checkpoints), their published output compared with what is computed here, directly from the same events.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NexmarkQueryTests(ClusterFixture fixture)
{
    /// <summary>A slow event-time rate (100 events per second), so that a few thousand events span several 10-second windows.</summary>
    private static readonly NexmarkConfig Config = new() { EventsPerSecond = 100, Seed = 11 };

    /// <summary>The query jobs the fixture registers: name and job.</summary>
    public static IEnumerable<(string Name, Func<IStreamJob> Create)> Jobs { get; } =
    [
        ("nexmark-test-q0", () => new Query0(Settings(3_000))),
        ("nexmark-test-q1", () => new Query1(Settings(4_000))),
        ("nexmark-test-q2", () => new Query2(Settings(30_000))),
        ("nexmark-test-q5", () => new Query5(Settings(10_000))),
        ("nexmark-test-q7", () => new Query7(Settings(20_000))),
    ];

    [Fact]
    public async Task Q0_passes_every_event_through_unchanged()
    {
        var expected = Events(3_000).ToList();

        var output = await RunAsync<NexmarkEvent>("nexmark-test-q0", expected.Count);

        Assert.Equal(Sorted(expected), Sorted(output));
    }

    [Fact]
    public async Task Q1_outputs_every_bid_with_its_price_in_euro_cents()
    {
        var expected = Events(4_000).OfType<Bid>().Select(b => new Bid(b.Auction, b.Bidder, (long)(b.Price * 0.908), b.Channel, b.Url, b.DateTime, b.Extra)).ToList();

        var output = await RunAsync<Bid>("nexmark-test-q1", expected.Count);

        Assert.Equal(Sorted(expected), Sorted(output));
    }

    [Fact]
    public async Task Q2_outputs_the_auction_and_price_of_the_bids_on_every_123rd_auction()
    {
        var expected = Events(30_000).OfType<Bid>().Where(b => b.Auction % 123 == 0).Select(b => new AuctionPrice(b.Auction, b.Price)).ToList();
        Assert.True(expected.Count >= 20, $"the input selects only {expected.Count} bids");

        var output = await RunAsync<AuctionPrice>("nexmark-test-q2", expected.Count);

        Assert.Equal(expected.OrderBy(p => p.Auction).ThenBy(p => p.Price), output.OrderBy(p => p.Auction).ThenBy(p => p.Price));
    }

    [Fact]
    public async Task Q5_outputs_the_auctions_with_the_most_bids_in_each_ten_second_window_every_two_seconds()
    {
        // Each bid counts in the five windows [s, s + 10 s) with s a multiple of 2 s and s <= t < s + 10 s. No bid is
        // late: each generator partition's event times only grow, so no channel's watermark passes a bid's window.
        var counts = new Dictionary<(long Start, long Auction), long>();
        foreach (var bid in Events(10_000).OfType<Bid>())
        {
            var t = bid.DateTime.ToUnixTimeMilliseconds();
            for (var start = t / 2_000 * 2_000; start > t - 10_000; start -= 2_000)
            {
                counts[(start, bid.Auction)] = counts.GetValueOrDefault((start, bid.Auction)) + 1;
            }
        }

        var expected = counts
            .GroupBy(c => c.Key.Start)
            .SelectMany(window => window.Where(c => c.Value == window.Max(m => m.Value)).Select(c => new HotItem(
                DateTimeOffset.FromUnixTimeMilliseconds(window.Key), DateTimeOffset.FromUnixTimeMilliseconds(window.Key + 10_000), c.Key.Auction, c.Value)))
            .OrderBy(h => h.WindowStart).ThenBy(h => h.Auction)
            .ToList();
        Assert.True(expected.Select(h => h.WindowStart).Distinct().Count() >= 50, "the input spans too few windows");
        Assert.True(expected.GroupBy(h => h.WindowStart).Any(w => w.Count() > 1), "no window has a tie");

        var output = await RunAsync<HotItem>("nexmark-test-q5", expected.Count);

        Assert.Equal(expected, output.OrderBy(h => h.WindowStart).ThenBy(h => h.Auction));
    }

    [Fact]
    public async Task Q7_outputs_the_highest_bid_of_each_ten_second_window()
    {
        // Highest price; ties go to the earliest bid, then the lowest auction, bidder, channel, url, extra.
        var expected = Events(20_000).OfType<Bid>()
            .GroupBy(b => b.DateTime.ToUnixTimeMilliseconds() / 10_000 * 10_000)
            .Select(g => new HighestBid(
                DateTimeOffset.FromUnixTimeMilliseconds(g.Key),
                DateTimeOffset.FromUnixTimeMilliseconds(g.Key + 10_000),
                g.OrderByDescending(b => b.Price).ThenBy(b => b.DateTime).ThenBy(b => b.Auction).ThenBy(b => b.Bidder)
                    .ThenBy(b => b.Channel, StringComparer.Ordinal).ThenBy(b => b.Url, StringComparer.Ordinal).ThenBy(b => b.Extra, StringComparer.Ordinal).First()))
            .ToList();
        Assert.True(expected.Count >= 15, $"the input spans only {expected.Count} windows");

        var output = await RunAsync<HighestBid>("nexmark-test-q7", expected.Count);

        Assert.Equal(expected.OrderBy(w => w.WindowStart), output.OrderBy(w => w.WindowStart));
    }

    private static NexmarkSettings Settings(long events) => new(events, Config, NexmarkSink.ResultsStream);

    private static IEnumerable<NexmarkEvent> Events(int count)
    {
        var generator = new NexmarkGenerator(Config);
        return Enumerable.Range(0, count).Select(i => generator.EventAt(i));
    }

    private static List<T> Sorted<T>(IEnumerable<T> records)
        where T : NexmarkEvent => [.. records.OrderBy(e => e.EventTime).ThenBy(e => JsonSerializer.Serialize<NexmarkEvent>(e), StringComparer.Ordinal)];

    /// <summary>Runs the job to its end (it finishes by itself) and returns its published output.</summary>
    private async Task<IReadOnlyList<T>> RunAsync<T>(string job, int expectedCount)
    {
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2);
        var finished = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status is JobStatus.Finished or JobStatus.Failed, $"{job} to finish", TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Finished, finished.Status);
        return await driver.ResultsAsync<T>(expectedCount);
    }
}
