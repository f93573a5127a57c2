using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q5's second stage: of the bid counts per auction of one window, the highest count and every auction that has
/// it. The accumulator is replaced, never changed (window state is snapshotted copy-on-write); the result lists
/// the auctions in ascending order, whatever order the counts arrived in.
/// </summary>
internal sealed class MostBidAuctions : IAggregateFunction<WindowResult<long, long>, HotAuctions, HotAuctions>
{
    public HotAuctions CreateAccumulator() => HotAuctions.None;

    public HotAuctions Add(WindowResult<long, long> count, HotAuctions accumulator) =>
        count.Value > accumulator.Count ? new HotAuctions(count.Value, [count.Key])
        : count.Value == accumulator.Count ? new HotAuctions(accumulator.Count, [.. accumulator.Auctions, count.Key])
        : accumulator;

    public HotAuctions GetResult(HotAuctions accumulator) => accumulator with { Auctions = [.. accumulator.Auctions.Order()] };
}

/// <summary>The highest bid count of a window so far and the auctions that have it (never mutated).</summary>
/// <param name="Count">The highest count.</param>
/// <param name="Auctions">The auctions with that count.</param>
[GenerateSerializer, Immutable]
internal sealed record HotAuctions([property: Id(0)] long Count, [property: Id(1)] long[] Auctions)
{
    /// <summary>No count yet.</summary>
    public static HotAuctions None { get; } = new(0, []);
}
