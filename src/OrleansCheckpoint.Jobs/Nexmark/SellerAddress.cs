namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>What q3 keeps of a person: the columns it outputs.</summary>
/// <param name="Name">The name.</param>
/// <param name="City">The city.</param>
/// <param name="State">The state.</param>
[GenerateSerializer, Immutable]
internal sealed record SellerAddress([property: Id(0)] string Name, [property: Id(1)] string City, [property: Id(2)] string State)
{
    /// <summary>The output row of this seller with <paramref name="auction"/>.</summary>
    public LocalItem With(long auction) => new(Name, City, State, auction);
}
