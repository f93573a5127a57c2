using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q4, average price per category: the average winning price of the closed auctions of each category
/// (<c>SELECT Q.category, AVG(Q.final) FROM (SELECT MAX(B.price) AS final, A.category FROM auction A, bid B
/// WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id, A.category) Q
/// GROUP BY Q.category</c>). As the Beam reference does, in two steps: <see cref="WinningBids"/> keys auctions and
/// bids by auction and emits an auction's highest valid price once the watermark passes its expiry (closing
/// semantics: Flink's SQL instead updates its result with every bid, and ends with the same values); then a
/// rolling average per category emits the category's new average after each closed auction. The average is an
/// integer, truncated, as Flink's <c>AVG</c> of a <c>BIGINT</c> is; each result also says of how many auctions.
/// An auction without a valid bid has no winning price and counts for nothing, as in the inner join.
/// </summary>
public sealed class Query4(NexmarkSettings settings) : NexmarkQuery<CategoryPrice>(settings)
{
    /// <inheritdoc />
    protected override DataStream<CategoryPrice> Query(DataStream<NexmarkEvent> events) =>
        events
            .Filter("auctions-and-bids", e => e is not Person)
            .KeyBy(e => e is Auction a ? a.Id : ((Bid)e).Auction)
            .Process("winning-bids", () => new WinningBids())
            .KeyBy(w => w.Category)
            .Aggregate("average-price-per-category", new PriceAverage())
            .Map("category-price", r => new CategoryPrice(r.Key, r.Value.Total / r.Value.Count, r.Value.Count));

    /// <summary>
    /// The auctions' winning prices. Per auction it keeps what it needs of the auction and its highest bid placed
    /// between its opening and its expiry (both included); an event-time timer at the expiry emits the price when
    /// the watermark passes it and forgets the auction. Once the watermark has passed the expiry, no bid that can
    /// still come is valid (an on-time bid is younger than the watermark), so the emitted price is final.
    /// <para>
    /// A bid can arrive before its auction: the generator's partitions run at their own pace, and a few bids name
    /// auctions not generated yet. Such a bid waits, with a timer at its own time. If the auction arrives, the
    /// waiting bids are judged against it. If instead the watermark passes the bid's time first, the auction can no
    /// longer be earlier than the bid — it would be behind the watermark, late — so the bid cannot be valid and is
    /// dropped. (A late record, behind the watermark, could thus miss its partner; the Nexmark source emits none:
    /// each partition generates in event-time order, and the watermark trails it.) A bid after its auction closed
    /// waits the same way and is dropped too.
    /// </para>
    /// The highest price is the same whatever the order of the bids, and only the price is emitted, so ties do
    /// not matter.
    /// </summary>
    internal sealed class WinningBids : KeyedProcessFunction<long, NexmarkEvent, AuctionWinner>
    {
        public override void ProcessElement(NexmarkEvent value, IKeyedContext<long> context, ICollector<AuctionWinner> output)
        {
            var auction = context.GetValueState<OpenAuction>("auction");
            switch (value)
            {
                case Auction opened:
                    var open = new OpenAuction(opened.DateTime.ToUnixTimeMilliseconds(), opened.Expires.ToUnixTimeMilliseconds(), opened.Category, null);
                    var early = context.GetValueState<EarlyBid[]>("early-bids");
                    foreach (var bid in early.Value ?? [])
                    {
                        context.DeleteEventTimeTimer(bid.Time);
                        open = open.Offer(bid.Time, bid.Price);
                    }

                    early.Clear();
                    auction.Update(open);
                    context.RegisterEventTimeTimer(open.Expires);
                    break;
                case Bid bid when auction.Value is { } known:
                    var offered = known.Offer(bid.DateTime.ToUnixTimeMilliseconds(), bid.Price);
                    if (!ReferenceEquals(offered, known))
                    {
                        auction.Update(offered);
                    }

                    break;
                case Bid bid:
                    var waiting = context.GetValueState<EarlyBid[]>("early-bids");
                    var placed = bid.DateTime.ToUnixTimeMilliseconds();
                    waiting.Update([.. waiting.Value ?? [], new EarlyBid(placed, bid.Price)]); // a new array: state values are never changed in place
                    context.RegisterEventTimeTimer(placed);
                    break;
            }
        }

        public override void OnTimer(long timestamp, IKeyedContext<long> context, ICollector<AuctionWinner> output)
        {
            var auction = context.GetValueState<OpenAuction>("auction");
            if (auction.Value is { } open && open.Expires <= timestamp)
            {
                auction.Clear();
                if (open.WinningPrice is { } price)
                {
                    output.Collect(new AuctionWinner(context.CurrentKey, open.Category, price));
                }
            }

            // Early bids at or before the timer's time can no longer meet a valid auction.
            var early = context.GetValueState<EarlyBid[]>("early-bids");
            if (early.Value is { } bids)
            {
                var left = bids.Where(b => b.Time > timestamp).ToArray();
                if (left.Length > 0)
                {
                    early.Update(left);
                }
                else
                {
                    early.Clear();
                }
            }
        }
    }

    /// <summary>The sum and count of winning prices of a category.</summary>
    internal sealed class PriceAverage : IAggregateFunction<AuctionWinner, PriceSum, PriceSum>
    {
        public PriceSum CreateAccumulator() => default;

        public PriceSum Add(AuctionWinner value, PriceSum accumulator) => new(accumulator.Total + value.Price, accumulator.Count + 1);

        public PriceSum GetResult(PriceSum accumulator) => accumulator;
    }
}

/// <summary>A category's average winning price so far (q4's output).</summary>
/// <param name="Category">The category.</param>
/// <param name="AveragePrice">The average of its closed auctions' winning prices, in cents (truncated, as Flink's <c>AVG</c> of integers).</param>
/// <param name="Auctions">How many closed auctions with a valid bid the average is over.</param>
[GenerateSerializer, Immutable]
public sealed record CategoryPrice([property: Id(0)] long Category, [property: Id(1)] long AveragePrice, [property: Id(2)] long Auctions);

/// <summary>A closed auction's highest valid price.</summary>
/// <param name="Auction">The auction.</param>
/// <param name="Category">Its category.</param>
/// <param name="Price">Its highest bid placed while it was open.</param>
[GenerateSerializer, Immutable]
internal sealed record AuctionWinner([property: Id(0)] long Auction, [property: Id(1)] long Category, [property: Id(2)] long Price);

/// <summary>What q4 keeps of an open auction: when it is open, its category, and its highest valid price so far.</summary>
/// <param name="Start">When it opened (Unix milliseconds).</param>
/// <param name="Expires">When it closes (Unix milliseconds, included).</param>
/// <param name="Category">Its category.</param>
/// <param name="WinningPrice">The highest price bid while it was open, if any.</param>
[GenerateSerializer, Immutable]
internal sealed record OpenAuction([property: Id(0)] long Start, [property: Id(1)] long Expires, [property: Id(2)] long Category, [property: Id(3)] long? WinningPrice)
{
    /// <summary>Whether a bid placed at <paramref name="time"/> counts (<c>B.dateTime BETWEEN A.dateTime AND A.expires</c>).</summary>
    public bool Accepts(long time) => time >= Start && time <= Expires;

    /// <summary>This auction after a bid of <paramref name="price"/> at <paramref name="time"/>.</summary>
    public OpenAuction Offer(long time, long price) =>
        Accepts(time) && price > (WinningPrice ?? long.MinValue) ? this with { WinningPrice = price } : this;
}

/// <summary>A bid that arrived before its auction: its time and price.</summary>
/// <param name="Time">When it was placed (Unix milliseconds).</param>
/// <param name="Price">The price, in cents.</param>
[GenerateSerializer, Immutable]
internal readonly record struct EarlyBid([property: Id(0)] long Time, [property: Id(1)] long Price);

/// <summary>The sum and count of a category's winning prices.</summary>
/// <param name="Total">The sum, in cents.</param>
/// <param name="Count">The number of prices.</param>
[GenerateSerializer, Immutable]
internal readonly record struct PriceSum([property: Id(0)] long Total, [property: Id(1)] long Count);
