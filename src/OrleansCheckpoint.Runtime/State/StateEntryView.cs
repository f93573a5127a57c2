namespace OrleansCheckpoint.Runtime.State;

/// <summary>One entry of restored keyed state as the offline inspector shows it: key and value rendered as JSON.</summary>
/// <param name="Table">The table (state) it belongs to within its operator (<c>accumulators</c>, <c>windows</c>, <c>value:…</c>, <c>timers</c>).</param>
/// <param name="KeyGroup">Its key group.</param>
/// <param name="KeyJson">The key as JSON; null for a section that could not be decoded (see <paramref name="Note"/>).</param>
/// <param name="ValueJson">The stored value as JSON (an accumulator, a value state's value, a timer's time).</param>
/// <param name="ResultJson">For aggregates: the result the stored accumulator gives (what <c>client query</c> shows).</param>
/// <param name="Note">Why a section is shown without its entries.</param>
internal sealed record StateEntryView(string Table, int KeyGroup, string? KeyJson, string? ValueJson, string? ResultJson = null, string? Note = null);
