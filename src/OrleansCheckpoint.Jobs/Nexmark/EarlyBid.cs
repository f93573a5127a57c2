namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>A bid that arrived before its auction: its time and price.</summary>
/// <param name="Time">When it was placed (Unix milliseconds).</param>
/// <param name="Price">The price, in cents.</param>
[GenerateSerializer, Immutable]
internal readonly record struct EarlyBid([property: Id(0)] long Time, [property: Id(1)] long Price);
