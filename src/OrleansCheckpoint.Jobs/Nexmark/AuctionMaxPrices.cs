using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q4's join of an auction (first input) with its bids (second input) on <c>A.id = B.auction AND B.dateTime BETWEEN
/// A.dateTime AND A.expires</c>, and the <c>MAX(B.price)</c> of the joined rows: per auction it keeps its times,
/// category and highest valid price so far, and emits an <see cref="AuctionMaxChange"/> whenever that rises.
/// <para>
/// State and cleanup. An event-time timer at the expiry forgets the auction once the watermark passes it: no bid
/// that can still come is valid then (an on-time bid is younger than the watermark), so its maximum is final and
/// the cleanup changes no result (Flink's regular join keeps both sides for ever instead). A bid can arrive before
/// its auction: the generator's partitions run at their own pace, and a few bids name auctions not generated yet.
/// Such a bid waits, with a timer at its own time. If the auction arrives, the waiting bids are judged against it
/// (one change for all of them). If instead the watermark passes the bid's time first, the auction can no longer be
/// earlier than the bid — it would be behind the watermark, late — so the bid cannot be valid and is dropped. A bid
/// after its auction was forgotten waits the same way and is dropped too. (A late record could thus miss its
/// partner; the Nexmark source emits none: each partition generates in event-time order, and the watermark trails it.)
/// </para>
/// </summary>
internal sealed class AuctionMaxPrices : KeyedCoProcessFunction<long, Auction, Bid, AuctionMaxChange>
{
    private const string AuctionState = "auction";
    private const string EarlyBidsState = "early-bids";

    public override void ProcessElement1(Auction value, IKeyedContext<long> context, ICollector<AuctionMaxChange> output)
    {
        var open = new OpenAuction(value.DateTime.ToUnixTimeMilliseconds(), value.Expires.ToUnixTimeMilliseconds(), value.Category, null);
        var early = context.GetValueState<EarlyBid[]>(EarlyBidsState);
        foreach (var bid in early.Value ?? [])
        {
            context.DeleteEventTimeTimer(bid.Time);
            open = open.Offer(bid.Time, bid.Price);
        }

        early.Clear();
        context.GetValueState<OpenAuction>(AuctionState).Update(open);
        context.RegisterEventTimeTimer(open.Expires);
        if (open.WinningPrice is { } price)
        {
            output.Collect(new AuctionMaxChange(open.Category, null, price));
        }
    }

    public override void ProcessElement2(Bid value, IKeyedContext<long> context, ICollector<AuctionMaxChange> output)
    {
        var placed = value.DateTime.ToUnixTimeMilliseconds();
        var auction = context.GetValueState<OpenAuction>(AuctionState);
        if (auction.Value is { } known)
        {
            var offered = known.Offer(placed, value.Price);
            if (!ReferenceEquals(offered, known))
            {
                auction.Update(offered);
                output.Collect(new AuctionMaxChange(known.Category, known.WinningPrice, offered.WinningPrice!.Value));
            }

            return;
        }

        var waiting = context.GetValueState<EarlyBid[]>(EarlyBidsState);
        waiting.Update([.. waiting.Value ?? [], new EarlyBid(placed, value.Price)]); // a new array: state values are never changed in place
        context.RegisterEventTimeTimer(placed);
    }

    public override void OnTimer(long timestamp, IKeyedContext<long> context, ICollector<AuctionMaxChange> output)
    {
        var auction = context.GetValueState<OpenAuction>(AuctionState);
        if (auction.Value is { } open && open.Expires <= timestamp)
        {
            auction.Clear();
        }

        // Early bids at or before the timer's time can no longer meet a valid auction.
        var early = context.GetValueState<EarlyBid[]>(EarlyBidsState);
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
