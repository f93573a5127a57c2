namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>A rise of an auction's highest valid price (q4's <c>MAX(B.price)</c> per auction, as a change).</summary>
/// <param name="Category">The auction's category.</param>
/// <param name="Previous">Its highest valid price before, or null if this is its first valid bid.</param>
/// <param name="Price">Its highest valid price now.</param>
[GenerateSerializer, Immutable]
internal sealed record AuctionMaxChange([property: Id(0)] long Category, [property: Id(1)] long? Previous, [property: Id(2)] long Price);
