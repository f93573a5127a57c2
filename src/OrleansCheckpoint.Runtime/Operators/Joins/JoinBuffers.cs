namespace OrleansCheckpoint.Runtime.Operators.Joins;

/// <summary>A record kept by a join with its event timestamp (keyed state: serialized and copied by Orleans).</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <param name="Timestamp">Its event timestamp (Unix milliseconds).</param>
/// <param name="Value">The record.</param>
[GenerateSerializer]
internal readonly record struct JoinEntry<T>([property: Id(0)] long Timestamp, [property: Id(1)] T Value);

/// <summary>The records of one key and one window of a window join, per side, in arrival order.</summary>
/// <typeparam name="T1">The left record type.</typeparam>
/// <typeparam name="T2">The right record type.</typeparam>
[GenerateSerializer]
internal sealed class JoinWindow<T1, T2>
{
    [Id(0)]
    public List<T1> Left { get; init; } = [];

    [Id(1)]
    public List<T2> Right { get; init; } = [];
}
