namespace OrleansCheckpoint.Messages;

/// <summary>One operator instance's snapshot in a checkpoint, as read from storage.</summary>
/// <param name="Task">The instance (<c>job/chain/partition</c>).</param>
/// <param name="Format"><c>whole</c> (one blob) or <c>incremental</c> (an index and a chain of pieces).</param>
/// <param name="SizeBytes">What this checkpoint wrote for it.</param>
/// <param name="FullSizeBytes">Its whole state, shared pieces included.</param>
/// <param name="Pieces">The pieces its state is made of (0 for a whole snapshot).</param>
/// <param name="Watermark">Its watermark at the checkpoint, if it had one.</param>
/// <param name="Operators">The state of each operator of its chain, in chain order.</param>
[GenerateSerializer, Immutable]
public sealed record InstanceStateSummary(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] string Format,
    [property: Id(2)] long SizeBytes,
    [property: Id(3)] long FullSizeBytes,
    [property: Id(4)] int Pieces,
    [property: Id(5)] long? Watermark,
    [property: Id(6)] IReadOnlyList<OperatorStateSummary> Operators);
