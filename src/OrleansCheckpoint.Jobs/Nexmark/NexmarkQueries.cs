using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>q0, pass-through: every event, unchanged (<c>SELECT * FROM datagen</c>). Measures the engine's bare cost.</summary>
public sealed class Query0(NexmarkSettings settings) : NexmarkQuery<NexmarkEvent>(settings)
{
    /// <inheritdoc />
    protected override DataStream<NexmarkEvent> Query(DataStream<NexmarkEvent> events) => events.Map("pass-through", e => e);
}

/// <summary>q1, currency conversion: every bid with its price in euro cents (<c>SELECT auction, bidder, 0.908 * price, … FROM bid</c>).</summary>
public sealed class Query1(NexmarkSettings settings) : NexmarkQuery<Bid>(settings)
{
    /// <summary>Euros per dollar, as in the reference.</summary>
    public const double DollarsToEuros = 0.908;

    /// <summary>A bid with its price converted (euro cents, truncated).</summary>
    public static Bid Convert(Bid bid) => bid with { Price = (long)(bid.Price * DollarsToEuros) };

    /// <inheritdoc />
    protected override DataStream<Bid> Query(DataStream<NexmarkEvent> events) => Bids(events).Map("dollars-to-euros", Convert);
}

/// <summary>q2, selection: the auction and price of the bids on every 123rd auction (<c>… WHERE MOD(auction, 123) = 0</c>).</summary>
public sealed class Query2(NexmarkSettings settings) : NexmarkQuery<AuctionPrice>(settings)
{
    /// <summary>The auctions q2 selects: ids divisible by this.</summary>
    public const long Modulus = 123;

    /// <inheritdoc />
    protected override DataStream<AuctionPrice> Query(DataStream<NexmarkEvent> events) =>
        Bids(events)
            .Filter("auction-mod-123", b => b.Auction % Modulus == 0)
            .Map("auction-price", b => new AuctionPrice(b.Auction, b.Price));
}

/// <summary>
/// q5, hot items: per sliding window of 10 seconds of event time, every 2 seconds, the auctions with the most
/// bids (all of them on a tie), as the reference's join of the bid counts per auction and window with each
/// window's maximum count. In two stages, as q7: the bids are keyed by auction and counted per sliding window;
/// those counts are keyed by their window and reduced to the highest count and the auctions that have it. A
/// count carries its window's last millisecond as its timestamp, and the sliding windows end on multiples of the
/// slide, so the counts of one window all fall in the same slide-long tumbling window of the second stage, which
/// fires as soon as the watermark has passed the sliding window's end. Tied auctions come out in ascending order,
/// so the answer does not depend on arrival order. Keyed by auction (as the reference groups by it), the first
/// stage is as skewed as the bids: the hot auction gets about half of them.
/// </summary>
public sealed class Query5(NexmarkSettings settings) : NexmarkQuery<HotItem>(settings)
{
    /// <summary>The window length.</summary>
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(10);

    /// <summary>The distance between two windows' starts.</summary>
    public static readonly TimeSpan WindowSlide = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    protected override DataStream<HotItem> Query(DataStream<NexmarkEvent> events) =>
        Bids(events)
            .KeyBy(b => b.Auction)
            .Window(SlidingEventTimeWindows.Of(WindowSize, WindowSlide))
            .Count("bids-per-auction")
            .KeyBy(c => c.Start.ToUnixTimeMilliseconds())
            .Window(TumblingEventTimeWindows.Of(WindowSlide))
            .Aggregate("most-bids-per-window", new MostBidAuctions())
            .FlatMap<HotItem>("hot-items", (window, output) =>
            {
                var start = DateTimeOffset.FromUnixTimeMilliseconds(window.Key);
                foreach (var auction in window.Value.Auctions)
                {
                    output.Collect(new HotItem(start, start + WindowSize, auction, window.Value.Count));
                }
            });
}

/// <summary>The auction and price of a bid (q2's output).</summary>
/// <param name="Auction">The auction.</param>
/// <param name="Price">The price, in cents.</param>
[GenerateSerializer, Immutable]
public sealed record AuctionPrice([property: Id(0)] long Auction, [property: Id(1)] long Price);

/// <summary>An auction with the most bids in a window (q5's output; a window with a tie has one per auction).</summary>
/// <param name="WindowStart">The window's start.</param>
/// <param name="WindowEnd">The window's end (exclusive).</param>
/// <param name="Auction">The auction.</param>
/// <param name="Count">Its bids in the window: the window's highest count.</param>
[GenerateSerializer, Immutable]
public sealed record HotItem([property: Id(0)] DateTimeOffset WindowStart, [property: Id(1)] DateTimeOffset WindowEnd, [property: Id(2)] long Auction, [property: Id(3)] long Count);

/// <summary>The Nexmark queries this engine runs, by name.</summary>
public static class NexmarkQueries
{
    /// <summary>The queries, in order: q0, q1, q2, q3, q4, q5, q7, q8.</summary>
    public static IReadOnlyList<string> Names { get; } = ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8"];

    /// <summary>The job name of a query (<c>nexmark-q1</c>).</summary>
    public static string JobName(string query) => $"nexmark-{query}";

    /// <summary>A job running <paramref name="query"/> with <paramref name="settings"/>.</summary>
    public static IStreamJob Create(string query, NexmarkSettings settings) => query switch
    {
        "q0" => new Query0(settings),
        "q1" => new Query1(settings),
        "q2" => new Query2(settings),
        "q3" => new Query3(settings),
        "q4" => new Query4(settings),
        "q5" => new Query5(settings),
        "q7" => new Query7(settings),
        "q8" => new Query8(settings),
        _ => throw new ArgumentException($"Unknown Nexmark query '{query}'; the queries are {string.Join(", ", Names)}.", nameof(query)),
    };
}
