namespace OrleansCheckpoint.Messages;

/// <summary>The size of one keyed state table of an operator instance.</summary>
/// <param name="Name">The table's name within its operator (<c>accumulators</c>, <c>windows</c>, <c>value:…</c>, <c>timers</c>).</param>
/// <param name="Entries">How many entries it holds.</param>
/// <param name="KeyGroups">How many key groups hold entries.</param>
/// <param name="FirstKeyGroup">The lowest key group with entries, if any.</param>
/// <param name="LastKeyGroup">The highest key group with entries, if any.</param>
/// <param name="UndecodedBytes">For a table that cannot be decoded offline (see <see cref="StateEntry.Note"/>): its size; null when decoded.</param>
[GenerateSerializer, Immutable]
public sealed record StateTableSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] long Entries,
    [property: Id(2)] int KeyGroups,
    [property: Id(3)] int? FirstKeyGroup,
    [property: Id(4)] int? LastKeyGroup,
    [property: Id(5)] long? UndecodedBytes = null);
