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
        ("nexmark-test-q7-ties", () => new Query7TiesJob(20_000)),
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
    public async Task Q7_outputs_every_bid_with_the_highest_price_of_a_ten_second_window()
    {
        var expected = Query7Oracle(20_000, bid => bid);
        Assert.True(expected.Select(b => b.DateTime.ToUnixTimeMilliseconds() / 10_000).Distinct().Count() >= 15, "the input spans too few windows");

        var output = await RunAsync<HighestBid>("nexmark-test-q7", expected.Count);

        Assert.Equal(Sorted(expected), Sorted(output));
    }

    [Fact]
    public async Task Q7_outputs_each_of_tied_highest_bids_and_a_bid_at_a_windows_end_that_equals_its_highest()
    {
        var expected = Query7Oracle(20_000, Query7TiesJob.Fold);
        Assert.True(expected.GroupBy(b => b.DateTime.ToUnixTimeMilliseconds() / 10_000).Count(w => w.Count() > 10) >= 15, "too few windows with ties");
        Assert.True(
            expected.Where(b => b.DateTime.ToUnixTimeMilliseconds() % 10_000 == 0).GroupBy(b => b).Count(rows => rows.Count() == 2) >= 3,
            "too few bids at a window's end that are rows of both windows");

        var output = await RunAsync<HighestBid>("nexmark-test-q7-ties", expected.Count);

        Assert.Equal(Sorted(expected), Sorted(output));
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
    public async Task Q4_updates_a_categorys_average_on_each_new_maximum_of_an_auction_and_ends_with_the_average_of_the_final_maxima()
    {
        var oracle = Query4Oracle(20_000);
        Assert.True(oracle.Auctions >= 200 && oracle.Averages.Count == 5, $"the input has only {oracle.Auctions} auctions with bids, in {oracle.Averages.Count} categories");
        await using var driver = new JobDriver(fixture.Client, "nexmark-test-q4");
        await driver.StartAsync(parallelism: 2);
        var finished = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status is JobStatus.Finished or JobStatus.Failed, "q4 to finish", TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Finished, finished.Status);

        AssertAverageUpdates(oracle, await Query4ResultsAsync(driver, oracle));
    }

    [Fact]
    public async Task Q4_restored_mid_run_with_open_auctions_and_pending_timers_ends_with_the_same_averages()
    {
        var oracle = Query4Oracle(Q4RecoveryEvents);
        await using var driver = new JobDriver(fixture.Client, "nexmark-test-q4-recovery");
        await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(10), Retained = 3 });
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null, "a checkpoint to complete");

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>("nexmark-test-q4-recovery/max-price-per-auction/1"));
        var finished = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status is JobStatus.Finished or JobStatus.Failed, "the job to finish", TimeSpan.FromSeconds(120));

        Assert.Equal(JobStatus.Finished, finished.Status);
        Assert.True(finished.Restarts >= 1 && finished.RestoredCheckpoint is not null, $"the job did not recover from a checkpoint (restarts {finished.Restarts}); it may have finished before the deactivation");
        AssertAverageUpdates(oracle, await Query4ResultsAsync(driver, oracle));
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
    /// q4 computed here: the bids placed between their auction's opening and expiry (both included); per auction the
    /// highest such price, if any; per category the number of such auctions and the truncated average of their
    /// highest prices. Also how many valid bids there are, and how many times an auction's highest valid price rises
    /// when its bids are taken in the order they were generated (what a single-threaded run of the changelog emits).
    /// </summary>
    internal static Query4Expectation Query4Oracle(int count)
    {
        var events = Events(count).ToList();
        var validBids = (
            from auction in events.OfType<Auction>()
            join bid in events.OfType<Bid>() on auction.Id equals bid.Auction
            where bid.DateTime >= auction.DateTime && bid.DateTime <= auction.Expires
            select (auction.Id, auction.Category, bid.Price)).ToList();
        var perAuction = validBids.GroupBy(v => (v.Id, v.Category)).ToList();
        var averages = perAuction.Select(a => (a.Key.Category, Final: a.Max(v => v.Price))).GroupBy(w => w.Category)
            .Select(c => new CategoryPrice(c.Key, c.Sum(w => w.Final) / c.Count(), c.Count()))
            .OrderBy(c => c.Category).ToList();
        var risesInOrder = perAuction.Sum(a => a.Aggregate((Max: 0L, Rises: 0), (s, v) => v.Price > s.Max ? (v.Price, s.Rises + 1) : s).Rises);
        return new Query4Expectation(perAuction.Count, averages, validBids.Count, risesInOrder);
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

    /// <summary>
    /// q7 computed here: each window's highest price (windows [s, s + 10 s), s a multiple of 10 s), and per window every
    /// bid at that price placed from s to s + 10 s, both included. <paramref name="price"/> changes the bids first.
    /// </summary>
    internal static List<HighestBid> Query7Oracle(int count, Func<Bid, Bid> price)
    {
        var bids = Events(count).OfType<Bid>().Select(price).ToList();
        return (
            from window in bids.GroupBy(b => b.DateTime.ToUnixTimeMilliseconds() / 10_000 * 10_000)
            let max = window.Max(b => b.Price)
            from bid in bids
            where bid.Price == max && bid.DateTime.ToUnixTimeMilliseconds() >= window.Key && bid.DateTime.ToUnixTimeMilliseconds() <= window.Key + 10_000
            select new HighestBid(bid.Auction, bid.Bidder, bid.Price, bid.DateTime, bid.Extra)).ToList();
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
    /// q4's changelog: an update per rise of an auction's highest valid price, so at least one per auction (each auction
    /// enters its category's average once: the counts 1 … n all appear) and at most one per valid bid, more than one
    /// per auction (the hot auctions' maxima rise many times). Arrival order differs between runs, so only each
    /// category's last update is fixed: the one over the most auctions, with the highest average among those.
    /// </summary>
    private static void AssertAverageUpdates(Query4Expectation expected, IReadOnlyList<CategoryPrice> output)
    {
        Assert.Equal(expected.Averages, FinalAverages(output));
        Assert.All(output.GroupBy(o => o.Category), c => Assert.Equal(Enumerable.Range(1, (int)c.Max(o => o.Auctions)).Select(n => (long)n), c.Select(o => o.Auctions).Distinct().Order()));
        Assert.InRange(output.Count, expected.Auctions + 1, expected.ValidBids);
    }

    private static List<CategoryPrice> FinalAverages(IEnumerable<CategoryPrice> output) =>
        [.. output.GroupBy(o => o.Category).Select(c => c.OrderBy(o => o.Auctions).ThenBy(o => o.AveragePrice).Last()).OrderBy(c => c.Category)];

    // The updates are as many as the rises met in arrival order: wait until every category's final one has come.
    private static async Task<IReadOnlyList<CategoryPrice>> Query4ResultsAsync(JobDriver driver, Query4Expectation expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var output = await driver.ResultsAsync<CategoryPrice>(expected.Auctions);
            if (FinalAverages(output).SequenceEqual(expected.Averages) || DateTime.UtcNow > deadline)
            {
                return output;
            }
        }
    }

    private static NexmarkSettings Settings(long events) => new(events, Config, NexmarkSink.ResultsStream);

    internal static IEnumerable<NexmarkEvent> Events(int count)
    {
        var generator = new NexmarkGenerator(Config);
        return Enumerable.Range(0, count).Select(i => generator.EventAt(i));
    }

    private static List<T> Sorted<T>(IEnumerable<T> records)
        where T : NexmarkEvent => [.. records.OrderBy(e => e.EventTime).ThenBy(e => JsonSerializer.Serialize<NexmarkEvent>(e), StringComparer.Ordinal)];

    private static List<HighestBid> Sorted(IEnumerable<HighestBid> bids) =>
        [.. bids.OrderBy(b => b.DateTime).ThenBy(b => b.Auction).ThenBy(b => b.Bidder).ThenBy(b => b.Extra, StringComparer.Ordinal)];

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
