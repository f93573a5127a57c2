using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// The head of a side output's chain: passes on the records its producer routed to the side output (the producer's
/// writers into this edge carry them); barriers, watermarks and the end of input arrive on the edge as on any other.
/// </summary>
internal sealed class SideOutputOperator<T>(SideOutputTransformation<T> sideOutput) : OneInputOperator<T, T>(sideOutput)
{
    public override void Accept(T value, long timestamp) => Output.Accept(value, timestamp);
}
