using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q3, local item suggestion: who sells in category 10 and lives in Oregon, Idaho or California, with each such
/// auction (<c>SELECT P.name, P.city, P.state, A.id FROM auction A INNER JOIN person P ON A.seller = P.id
/// WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')</c>). As the Beam reference does: the persons and
/// auctions that pass the filters, keyed by person id and seller, meet in a keyed process function
/// (<see cref="SellerJoin"/>) that emits each (person, auction) pair once, whichever of the two arrives first.
/// A regular join, as Flink's: nothing expires, so the output does not depend on arrival order or timing.
/// </summary>
public sealed class Query3(NexmarkSettings settings) : NexmarkQuery<LocalItem>(settings)
{
    /// <summary>The category q3 selects.</summary>
    public const long Category = 10;

    /// <summary>Whether <paramref name="state"/> is one of the states q3 selects (OR, ID, CA).</summary>
    public static bool IsSelectedState(string state) => state is "OR" or "ID" or "CA";

    /// <inheritdoc />
    protected override DataStream<LocalItem> Query(DataStream<NexmarkEvent> events) =>
        events
            .Filter("local-sellers-and-category-10", e => e is Person p ? IsSelectedState(p.State) : e is Auction { Category: Category })
            .KeyBy(e => e is Person p ? p.Id : ((Auction)e).Seller)
            .Process("seller-join", () => new SellerJoin());

    /// <summary>
    /// The join of one seller's person and auctions: the person once seen (only what the output needs), and the
    /// auctions that came before it. Either side is kept for as long as the job runs, as a regular join keeps it.
    /// </summary>
    internal sealed class SellerJoin : KeyedProcessFunction<long, NexmarkEvent, LocalItem>
    {
        public override void ProcessElement(NexmarkEvent value, IKeyedContext<long> context, ICollector<LocalItem> output)
        {
            var seller = context.GetValueState<SellerAddress>("person");
            var waiting = context.GetValueState<long[]>("auctions-waiting-for-seller");
            switch (value)
            {
                case Person person:
                    var address = new SellerAddress(person.Name, person.City, person.State);
                    seller.Update(address);
                    foreach (var auction in waiting.Value ?? [])
                    {
                        output.Collect(address.With(auction));
                    }

                    waiting.Clear();
                    break;
                case Auction auction when seller.Value is { } known:
                    output.Collect(known.With(auction.Id));
                    break;
                case Auction auction:
                    waiting.Update([.. waiting.Value ?? [], auction.Id]); // a new array: state values are never changed in place
                    break;
            }
        }
    }
}

/// <summary>An auction of category 10 with its seller's name and address (q3's output).</summary>
/// <param name="Name">The seller's name.</param>
/// <param name="City">The seller's city.</param>
/// <param name="State">The seller's state.</param>
/// <param name="AuctionId">The auction.</param>
[GenerateSerializer, Immutable]
public sealed record LocalItem([property: Id(0)] string Name, [property: Id(1)] string City, [property: Id(2)] string State, [property: Id(3)] long AuctionId);

/// <summary>What q3 keeps of a person: the columns it outputs.</summary>
/// <param name="Name">The name.</param>
/// <param name="City">The city.</param>
/// <param name="State">The state.</param>
[GenerateSerializer, Immutable]
internal sealed record SellerAddress([property: Id(0)] string Name, [property: Id(1)] string City, [property: Id(2)] string State)
{
    public LocalItem With(long auction) => new(Name, City, State, auction);
}
