using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q4's <c>AVG(Q.final)</c> per category as a rolling sum and count: a change of an auction's maximum retracts the
/// previous maximum and adds the new one; an auction's first maximum also counts the auction. Additions commute, so
/// the result after all changes does not depend on the order they arrive in.
/// </summary>
internal sealed class CategoryAverage : IAggregateFunction<AuctionMaxChange, PriceSum, PriceSum>
{
    public PriceSum CreateAccumulator() => default;

    public PriceSum Add(AuctionMaxChange value, PriceSum accumulator) =>
        new(accumulator.Total - (value.Previous ?? 0) + value.Price, accumulator.Count + (value.Previous is null ? 1 : 0));

    public PriceSum GetResult(PriceSum accumulator) => accumulator;
}
