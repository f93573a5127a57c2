namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>The highest price one key of q7's first stage has seen in a window so far.</summary>
/// <param name="WindowStart">The window's start (Unix milliseconds).</param>
/// <param name="Price">The highest price, in cents.</param>
[GenerateSerializer, Immutable]
internal readonly record struct RunningMax([property: Id(0)] long WindowStart, [property: Id(1)] long Price);
