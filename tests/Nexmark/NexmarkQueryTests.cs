using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
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
    internal static readonly NexmarkConfig Config = new() { EventsPerSecond = 100, Seed = 11 };

    /// <summary>Long enough for a q4 run to be interrupted after its first checkpoint.</summary>
    private const int Q4RecoveryEvents = 400_000;

    /// <summary>The query jobs the fixture registers: name and job.</summary>
    public static IEnumerable<(string Name, Func<IStreamJob> Create)> Jobs { get; } =
    [
        ("nexmark-test-q0", () => new Query0(Settings(3_000))),
        ("nexmark-test-q1", () => new Query1(Settings(4_000))),
        ("nexmark-test-q2", () => new Query2(Settings(30_000))),
        ("nexmark-test-q5", () => new Query5(Settings(10_000))),
        ("nexmark-test-q7", () => new Query7(Settings(20_000))),
        ("nexmark-test-q3", () => new Query3(Settings(30_000))),
        ("nexmark-test-q4", () => new Query4(Settings(20_000))),
        ("nexmark-test-q4-recovery", () => new Query4(Settings(Q4RecoveryEvents))),
        ("nexmark-test-q8", () => new Query8(Settings(30_000))),
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
        // No bid is late: each generator partition's event times only grow, so no channel's watermark passes a bid's window.
        var expected = Query5Oracle(10_000);
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

    // The joins below compare with oracles that see every event, which is exact only if the job loses none to
    // lateness: each generator partition emits its events in event-time order and its watermark trails its newest
    // event by 4 s, so no record is ever behind its channel's watermark (with any parallelism).

    [Fact]
    public async Task Q3_joins_each_category_10_auction_with_its_seller_if_they_live_in_OR_ID_or_CA()
    {
        var expected = Query3Oracle(30_000);
        Assert.True(expected.Count >= 50, $"the input joins only {expected.Count} auctions");

        var output = await RunAsync<LocalItem>("nexmark-test-q3", expected.Count);

        Assert.Equal(expected.OrderBy(i => i.AuctionId), output.OrderBy(i => i.AuctionId));
    }

    [Fact]
    public async Task Q4_ends_with_the_average_winning_price_of_each_category_over_its_auctions_with_a_valid_bid()
    {
        var (auctions, expected) = Query4Oracle(20_000);
        Assert.True(auctions >= 200 && expected.Count == 5, $"the input closes only {auctions} auctions with bids, in {expected.Count} categories");

        var output = await RunAsync<CategoryPrice>("nexmark-test-q4", auctions);

        AssertFinalAverages(expected, auctions, output);
    }

    [Fact]
    public async Task Q4_restored_mid_run_with_open_auctions_and_pending_timers_ends_with_the_same_averages()
    {
        var (auctions, expected) = Query4Oracle(Q4RecoveryEvents);
        await using var driver = new JobDriver(fixture.Client, "nexmark-test-q4-recovery");
        await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(10), Retained = 3 });
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null, "a checkpoint to complete");

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>("nexmark-test-q4-recovery/winning-bids/1"));
        var finished = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status is JobStatus.Finished or JobStatus.Failed, "the job to finish", TimeSpan.FromSeconds(120));

        Assert.Equal(JobStatus.Finished, finished.Status);
        Assert.True(finished.Restarts >= 1 && finished.RestoredCheckpoint is not null, $"the job did not recover from a checkpoint (restarts {finished.Restarts}); it may have finished before the deactivation");
        AssertFinalAverages(expected, auctions, await driver.ResultsAsync<CategoryPrice>(auctions));
    }

    [Fact]
    public async Task Q8_outputs_each_person_who_opened_an_auction_in_the_ten_second_window_they_joined_in_once()
    {
        var expected = Query8Oracle(30_000);
        Assert.True(expected.Count >= 20, $"the input has only {expected.Count} new sellers");

        var output = await RunAsync<NewSeller>("nexmark-test-q8", expected.Count);

        Assert.Equal(expected.OrderBy(s => s.Id).ThenBy(s => s.WindowStart), output.OrderBy(s => s.Id).ThenBy(s => s.WindowStart));
    }

    /// <summary>q3 computed here: the category-10 auctions joined with their sellers, if those live in OR, ID or CA.</summary>
    internal static List<LocalItem> Query3Oracle(int count)
    {
        var events = Events(count).ToList();
        return (
            from auction in events.OfType<Auction>()
            where auction.Category == 10
            join person in events.OfType<Person>() on auction.Seller equals person.Id
            where new[] { "OR", "ID", "CA" }.Contains(person.State)
            select new LocalItem(person.Name, person.City, person.State, auction.Id)).ToList();
    }

    /// <summary>
    /// q4 computed here: per auction the highest price bid between its opening and its expiry (both included), if
    /// any; per category the number of such auctions and the truncated average of their prices.
    /// </summary>
    internal static (int Auctions, List<CategoryPrice> Averages) Query4Oracle(int count)
    {
        var events = Events(count).ToList();
        var winningPrices = (
            from auction in events.OfType<Auction>()
            join bid in events.OfType<Bid>() on auction.Id equals bid.Auction
            where bid.DateTime >= auction.DateTime && bid.DateTime <= auction.Expires
            group bid.Price by (auction.Id, auction.Category) into prices
            select (prices.Key.Category, Final: prices.Max())).ToList();
        return (winningPrices.Count, winningPrices.GroupBy(w => w.Category)
            .Select(c => new CategoryPrice(c.Key, c.Sum(w => w.Final) / c.Count(), c.Count()))
            .OrderBy(c => c.Category).ToList());
    }

    /// <summary>
    /// q5 computed here: each bid counts in the five windows [s, s + 10 s) with s a multiple of 2 s and
    /// s &lt;= t &lt; s + 10 s; per window, every auction whose count is the window's highest, by window then auction.
    /// </summary>
    internal static List<HotItem> Query5Oracle(int count)
    {
        var counts = new Dictionary<(long Start, long Auction), long>();
        foreach (var bid in Events(count).OfType<Bid>())
        {
            var t = bid.DateTime.ToUnixTimeMilliseconds();
            for (var start = t / 2_000 * 2_000; start > t - 10_000; start -= 2_000)
            {
                counts[(start, bid.Auction)] = counts.GetValueOrDefault((start, bid.Auction)) + 1;
            }
        }

        return counts
            .GroupBy(c => c.Key.Start)
            .SelectMany(window => window.Where(c => c.Value == window.Max(m => m.Value)).Select(c => new HotItem(
                DateTimeOffset.FromUnixTimeMilliseconds(window.Key), DateTimeOffset.FromUnixTimeMilliseconds(window.Key + 10_000), c.Key.Auction, c.Value)))
            .OrderBy(h => h.WindowStart).ThenBy(h => h.Auction)
            .ToList();
    }

    /// <summary>q8 computed here: the persons with an auction of theirs in the 10-second window they joined in.</summary>
    internal static List<NewSeller> Query8Oracle(int count)
    {
        static long WindowOf(DateTimeOffset time) => time.ToUnixTimeMilliseconds() - (time.ToUnixTimeMilliseconds() % 10_000);
        var events = Events(count).ToList();
        return (
            from person in events.OfType<Person>()
            join seller in events.OfType<Auction>().Select(a => (a.Seller, Window: WindowOf(a.DateTime))).Distinct()
                on (person.Id, WindowOf(person.DateTime)) equals (seller.Seller, seller.Window)
            select new NewSeller(person.Id, person.Name, DateTimeOffset.FromUnixTimeMilliseconds(seller.Window))).ToList();
    }

    /// <summary>
    /// One result per closed auction with a valid bid: its category's new average, over 1, 2, … auctions. Auctions
    /// close in a different order on each run (two instances), so only each category's last average is fixed.
    /// </summary>
    private static void AssertFinalAverages(List<CategoryPrice> expected, int auctions, IReadOnlyList<CategoryPrice> output)
    {
        Assert.Equal(auctions, output.Count);
        Assert.All(output.GroupBy(o => o.Category), c => Assert.Equal(Enumerable.Range(1, c.Count()).Select(n => (long)n), c.Select(o => o.Auctions).Order()));
        Assert.Equal(expected, output.GroupBy(o => o.Category).Select(c => c.MaxBy(o => o.Auctions)!).OrderBy(c => c.Category));
    }

    private static NexmarkSettings Settings(long events) => new(events, Config, NexmarkSink.ResultsStream);

    internal static IEnumerable<NexmarkEvent> Events(int count)
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
