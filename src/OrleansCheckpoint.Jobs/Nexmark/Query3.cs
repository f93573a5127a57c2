using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q3, local item suggestion: who sells in category 10 and lives in Oregon, Idaho or California, with each such
/// auction (<c>SELECT P.name, P.city, P.state, A.id FROM auction A INNER JOIN person P ON A.seller = P.id
/// WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')</c>). As Flink plans it: each side filtered on its own
/// (persons by state, auctions by category), the two keyed by <c>P.id</c> and <c>A.seller</c> and connected into a
/// regular inner join (<see cref="SellerJoin"/>, a keyed co-process function) that emits each (person, auction)
/// pair once, whichever of the two arrives first. Nothing expires, as in Flink's regular join, so the output does
/// not depend on arrival order or timing.
/// </summary>
public sealed class Query3(NexmarkSettings settings) : NexmarkQuery<LocalItem>(settings)
{
    /// <summary>The category q3 selects.</summary>
    public const long Category = 10;

    /// <summary>Whether <paramref name="state"/> is one of the states q3 selects (OR, ID, CA).</summary>
    public static bool IsSelectedState(string state) => state is "OR" or "ID" or "CA";

    /// <inheritdoc />
    protected override DataStream<LocalItem> Query(DataStream<NexmarkEvent> events)
    {
        var sellers = Persons(events).Filter("persons-in-or-id-ca", p => IsSelectedState(p.State)).KeyBy(p => p.Id);
        var auctions = Auctions(events).Filter("auctions-of-category-10", a => a.Category == Category).KeyBy(a => a.Seller);
        return sellers.Connect(auctions).Process("seller-join", () => new SellerJoin());
    }
}

/// <summary>An auction of category 10 with its seller's name and address (q3's output).</summary>
/// <param name="Name">The seller's name.</param>
/// <param name="City">The seller's city.</param>
/// <param name="State">The seller's state.</param>
/// <param name="AuctionId">The auction.</param>
[GenerateSerializer, Immutable]
public sealed record LocalItem([property: Id(0)] string Name, [property: Id(1)] string City, [property: Id(2)] string State, [property: Id(3)] long AuctionId);
