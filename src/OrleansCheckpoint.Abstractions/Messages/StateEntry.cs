namespace OrleansCheckpoint.Messages;

/// <summary>One entry of an operator's keyed state in a checkpoint, as <c>client inspect --operator</c> prints it.</summary>
/// <param name="Instance">The instance that held it (<c>job/chain/partition</c>).</param>
/// <param name="State">The table (state) it belongs to within its operator (<c>accumulators</c>, <c>windows</c>, <c>value:…</c>, <c>timers</c>).</param>
/// <param name="KeyGroup">Its key group (-1 for a table shown without its entries).</param>
/// <param name="KeyJson">The key as JSON; null for a table shown without its entries.</param>
/// <param name="ValueJson">The stored value as JSON: an accumulator, a window's bounds and accumulator, a value state's value, a timer's time.</param>
/// <param name="ResultJson">For aggregates: the result the accumulator gives (what <c>client query</c> shows for the key).</param>
/// <param name="Note">Why a table is shown without its entries (a value state whose type is not known offline).</param>
[GenerateSerializer, Immutable]
public sealed record StateEntry(
    [property: Id(0)] string Instance,
    [property: Id(1)] string State,
    [property: Id(2)] int KeyGroup,
    [property: Id(3)] string? KeyJson,
    [property: Id(4)] string? ValueJson,
    [property: Id(5)] string? ResultJson = null,
    [property: Id(6)] string? Note = null);
