namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>q7's <c>B1</c>: the highest price bid in a tumbling window.</summary>
/// <param name="Start">The window's start.</param>
/// <param name="End">The window's end (exclusive for the window, included by q7's join condition).</param>
/// <param name="MaxPrice">The highest price of its bids, in cents.</param>
[GenerateSerializer, Immutable]
internal sealed record WindowMaxPrice([property: Id(0)] DateTimeOffset Start, [property: Id(1)] DateTimeOffset End, [property: Id(2)] long MaxPrice);
