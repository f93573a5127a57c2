using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q4, average price per category: the average winning price of the auctions of each category
/// (<c>SELECT Q.category, AVG(Q.final) FROM (SELECT MAX(B.price) AS final, A.category FROM auction A, bid B
/// WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires GROUP BY A.id, A.category) Q
/// GROUP BY Q.category</c>), with Flink's updating semantics. The auctions and bids, keyed by <c>A.id</c> and
/// <c>B.auction</c>, are connected in <see cref="AuctionMaxPrices"/>: the inner join with the time condition and the
/// <c>MAX(B.price)</c> per auction, which emits a change each time an auction's maximum rises (its first valid bid
/// included). Keyed by category, a rolling aggregate replaces the auction's old maximum with the new one
/// (<see cref="CategoryAverage"/>) and emits the category's new average: Flink's changelog, one update per new
/// maximum, as its <c>AVG</c> retracts the old <c>final</c> and adds the new one. The average is an integer, truncated,
/// as Flink's <c>AVG</c> of a <c>BIGINT</c> is; each result also says of how many auctions. An auction without a valid
/// bid counts for nothing, as in the inner join. Once every event is in, each category's last result is the
/// average over all its auctions' final maxima, whatever the order the bids arrived in.
/// </summary>
public sealed class Query4(NexmarkSettings settings) : NexmarkQuery<CategoryPrice>(settings)
{
    /// <inheritdoc />
    protected override DataStream<CategoryPrice> Query(DataStream<NexmarkEvent> events)
    {
        var auctions = Auctions(events).KeyBy(a => a.Id);
        var bids = Bids(events).KeyBy(b => b.Auction);
        return auctions.Connect(bids)
            .Process("max-price-per-auction", () => new AuctionMaxPrices())
            .KeyBy(c => c.Category)
            .Aggregate("average-price-per-category", new CategoryAverage())
            .Map("category-price", r => new CategoryPrice(r.Key, r.Value.Total / r.Value.Count, r.Value.Count));
    }
}

/// <summary>A category's average winning price after a change of one of its auctions' maxima (q4's output, an update of Flink's changelog).</summary>
/// <param name="Category">The category.</param>
/// <param name="AveragePrice">The average of its auctions' highest valid prices so far, in cents (truncated, as Flink's <c>AVG</c> of integers).</param>
/// <param name="Auctions">How many auctions with a valid bid the average is over.</param>
[GenerateSerializer, Immutable]
public sealed record CategoryPrice([property: Id(0)] long Category, [property: Id(1)] long AveragePrice, [property: Id(2)] long Auctions);
