namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// The knobs of the Nexmark generator, with the reference's defaults (nexmark/nexmark's
/// <c>NexmarkConfiguration</c>). The event-time rate defaults to 10 million events per second, the rate of
/// the published Flink runs (<c>nexmark.workload.suite.100m.tps</c>), so windows span as many events as theirs.
/// </summary>
public sealed record NexmarkConfig
{
    /// <summary>Events per second of event time: event <c>n</c> happens at <see cref="BaseTime"/> + n / rate. Default 10,000,000.</summary>
    public double EventsPerSecond { get; init; } = 10_000_000;

    /// <summary>The event time of the first event. The reference uses the wall clock; a fixed time keeps runs reproducible.</summary>
    public DateTimeOffset BaseTime { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Mixed into every event's random seed: the same seed gives the same events. 0 seeds each event with its id, as the reference does.</summary>
    public long Seed { get; init; }

    /// <summary>People that bid and sell, among the newest. Default 1,000.</summary>
    public int NumActivePeople { get; init; } = 1_000;

    /// <summary>Auctions still open, among the newest. Default 100.</summary>
    public int NumInFlightAuctions { get; init; } = 100;

    /// <summary>One bid in this many goes to a random auction, the others to the hot one. Default 2.</summary>
    public int HotAuctionRatio { get; init; } = 2;

    /// <summary>One auction in this many has a random seller, the others the hot one. Default 4.</summary>
    public int HotSellersRatio { get; init; } = 4;

    /// <summary>One bid in this many has a random bidder, the others the hot one. Default 4.</summary>
    public int HotBiddersRatio { get; init; } = 4;

    /// <summary>Average size of a person, in characters. Default 200.</summary>
    public int AvgPersonByteSize { get; init; } = 200;

    /// <summary>Average size of an auction, in characters. Default 500.</summary>
    public int AvgAuctionByteSize { get; init; } = 500;

    /// <summary>Average size of a bid, in characters. Default 100.</summary>
    public int AvgBidByteSize { get; init; } = 100;

    /// <summary>Persons per <see cref="TotalProportion"/> events. Default 1.</summary>
    public int PersonProportion { get; init; } = 1;

    /// <summary>Auctions per <see cref="TotalProportion"/> events. Default 3.</summary>
    public int AuctionProportion { get; init; } = 3;

    /// <summary>Bids per <see cref="TotalProportion"/> events. Default 46.</summary>
    public int BidProportion { get; init; } = 46;

    /// <summary>The length of the cycle of event kinds (50 by default: 1 person, 3 auctions, 46 bids).</summary>
    public int TotalProportion => PersonProportion + AuctionProportion + BidProportion;

    /// <summary>Microseconds of event time between two events.</summary>
    public double InterEventDelayUs => 1_000_000.0 / EventsPerSecond;
}
