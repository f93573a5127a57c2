namespace OrleansCheckpoint.Messages;

/// <summary>An input edge of an operator (chain) of a running job.</summary>
/// <param name="Uid">The upstream operator (chain).</param>
/// <param name="Partitioning">How records are spread over the instances: <c>Forward</c>, <c>Hash</c> (by key) or <c>Rebalance</c>.</param>
[GenerateSerializer, Immutable]
public sealed record OperatorInput([property: Id(0)] string Uid, [property: Id(1)] string Partitioning);
