using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q3's inner join of a seller (first input, keyed by <c>P.id</c>) with their auctions (second input, keyed by
/// <c>A.seller</c>). Keeps the seller's person once seen (only the columns the output needs), for as long as the job
/// runs, as Flink's regular join keeps its build side; an auction that comes before its seller waits for it. Person
/// ids are the person table's key (the generator gives each person a new id), so no second person of an id can come
/// and an auction that found its seller needs no keeping: the output is the regular join's, with less state.
/// </summary>
internal sealed class SellerJoin : KeyedCoProcessFunction<long, Person, Auction, LocalItem>
{
    private const string SellerState = "person";
    private const string WaitingState = "auctions-waiting-for-seller";

    public override void ProcessElement1(Person value, IKeyedContext<long> context, ICollector<LocalItem> output)
    {
        var address = new SellerAddress(value.Name, value.City, value.State);
        context.GetValueState<SellerAddress>(SellerState).Update(address);
        var waiting = context.GetValueState<long[]>(WaitingState);
        foreach (var auction in waiting.Value ?? [])
        {
            output.Collect(address.With(auction));
        }

        waiting.Clear();
    }

    public override void ProcessElement2(Auction value, IKeyedContext<long> context, ICollector<LocalItem> output)
    {
        if (context.GetValueState<SellerAddress>(SellerState).Value is { } seller)
        {
            output.Collect(seller.With(value.Id));
            return;
        }

        var waiting = context.GetValueState<long[]>(WaitingState);
        waiting.Update([.. waiting.Value ?? [], value.Id]); // a new array: state values are never changed in place
    }
}
