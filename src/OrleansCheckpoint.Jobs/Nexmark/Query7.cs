using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q7, highest bid: every bid whose price is the highest of a 10-second tumbling window of event time, ties included
/// (<c>SELECT B.auction, B.bidder, B.price, B.dateTime, B.extra FROM bid B JOIN (SELECT MAX(price) AS maxprice,
/// window_end AS dateTime FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY
/// window_start, window_end) B1 ON B.price = B1.maxprice WHERE B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND
/// AND B1.dateTime</c>). As in Flink's SQL, the bids are joined back to each window's maximum on the price, with the
/// time condition <c>window_start &lt;= B.dateTime &lt;= window_end</c>: both ends included, so a bid placed exactly at
/// a window's end that equals that window's maximum is one of its rows too (and may be one of the next window's).
/// See <see cref="HighestBids"/> for the plan.
/// </summary>
public sealed class Query7(NexmarkSettings settings) : NexmarkQuery<HighestBid>(settings)
{
    /// <summary>The window length.</summary>
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(10);

    /// <summary>The number of keys of the first stage (<c>price mod 32</c>).</summary>
    public const int PreAggregationKeys = 32;

    /// <summary>
    /// q7 over a stream of bids, in three steps. (1) <see cref="MaxPriceCandidates"/>, keyed by <c>price mod 32</c> (a
    /// small key space, spread evenly, unlike the skewed auction and bidder ids), forwards only the bids that could
    /// equal a window's maximum: those not below the highest price its key has seen in the windows the bid can join.
    /// A bid it drops is below some bid of the same window, so the join could never output it; the join's state stays
    /// a handful of bids per window instead of every bid. (2) The window's <c>MAX(price)</c>: the candidates keyed by
    /// window and reduced per tumbling window (the window's maximum is always a candidate). (3) The join
    /// <c>ON B.price = B1.maxprice</c>: candidates keyed by price, interval-joined with the maxima keyed by price. A
    /// maximum carries its window's last millisecond, <c>window_end − 1 ms</c>, as its time, so
    /// <c>window_end − 10 s &lt;= B.dateTime &lt;= window_end</c> is a maximum between 1 ms before and 10 s − 1 ms after
    /// the bid. Each side is kept until the watermark passes the last time a partner could have.
    /// </summary>
    public static DataStream<HighestBid> HighestBids(DataStream<Bid> bids)
    {
        var windowMs = (long)WindowSize.TotalMilliseconds;
        var candidates = bids
            .KeyBy(b => (int)(b.Price % PreAggregationKeys))
            .Process("max-price-candidates", () => new MaxPriceCandidates(windowMs));
        var maxima = candidates
            .KeyBy(b => WindowStart(b, windowMs))
            .Window(TumblingEventTimeWindows.Of(WindowSize))
            .Reduce("max-price-per-window", (a, b) => a.Price >= b.Price ? a : b)
            .Map("window-max-price", r => new WindowMaxPrice(r.Start, r.End, r.Value.Price));
        return candidates
            .KeyBy(b => b.Price)
            .IntervalJoin(maxima.KeyBy(m => m.MaxPrice))
            .Between(TimeSpan.FromMilliseconds(-1), WindowSize - TimeSpan.FromMilliseconds(1))
            .Process("bids-with-max-price", (bid, _) => new HighestBid(bid.Auction, bid.Bidder, bid.Price, bid.DateTime, bid.Extra));
    }

    /// <inheritdoc />
    protected override DataStream<HighestBid> Query(DataStream<NexmarkEvent> events) => HighestBids(Bids(events));

    private static long WindowStart(Bid bid, long windowMs)
    {
        var t = bid.DateTime.ToUnixTimeMilliseconds();
        return t - (t % windowMs);
    }
}

/// <summary>A bid with the highest price of a 10-second window (q7's output: the columns of Flink's <c>nexmark_q7</c>).</summary>
/// <param name="Auction">The auction bid on.</param>
/// <param name="Bidder">The bidder.</param>
/// <param name="Price">The price, in cents: its window's maximum.</param>
/// <param name="DateTime">When it was placed.</param>
/// <param name="Extra">The bid's padding.</param>
[GenerateSerializer, Immutable]
public sealed record HighestBid(
    [property: Id(0)] long Auction, [property: Id(1)] long Bidder, [property: Id(2)] long Price, [property: Id(3)] DateTimeOffset DateTime, [property: Id(4)] string Extra);
