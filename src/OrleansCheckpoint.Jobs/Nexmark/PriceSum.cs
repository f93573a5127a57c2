namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>The sum and count of a category's auctions' highest valid prices.</summary>
/// <param name="Total">The sum, in cents.</param>
/// <param name="Count">The number of auctions.</param>
[GenerateSerializer, Immutable]
internal readonly record struct PriceSum([property: Id(0)] long Total, [property: Id(1)] long Count);
