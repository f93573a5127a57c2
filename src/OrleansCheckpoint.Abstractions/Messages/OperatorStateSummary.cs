namespace OrleansCheckpoint.Messages;

/// <summary>One operator's state in an instance's snapshot.</summary>
/// <param name="Uid">The operator's uid.</param>
/// <param name="Tables">Its keyed state tables (timers included); empty for an operator without keyed state.</param>
/// <param name="Description">Its state that is not keyed, in words (a source's offset, a sink's pending transactions); null if none.</param>
[GenerateSerializer, Immutable]
public sealed record OperatorStateSummary(
    [property: Id(0)] string Uid,
    [property: Id(1)] IReadOnlyList<StateTableSummary> Tables,
    [property: Id(2)] string? Description = null);
