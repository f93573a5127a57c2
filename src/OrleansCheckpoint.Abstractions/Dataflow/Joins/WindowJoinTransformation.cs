namespace OrleansCheckpoint.Dataflow;

/// <summary>A join of two keyed streams per event-time window (Flink's <c>JoinedStreams … window … apply</c>).</summary>
/// <typeparam name="T1">The left input's record type.</typeparam>
/// <typeparam name="T2">The right input's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public sealed class WindowJoinTransformation<T1, T2, TKey, TOut> : KeyedTwoInputTransformation<T1, T2, TKey, TOut>
    where TKey : notnull
{
    internal WindowJoinTransformation(
        string uid, InputEdge left, InputEdge right, KeySelector<T1, TKey> key1, KeySelector<T2, TKey> key2, EventTimeWindows windows, Func<T1, T2, TOut> join)
        : base(uid, left, right, key1, key2)
    {
        Windows = windows;
        Join = join;
    }

    /// <summary>The window assigner.</summary>
    public EventTimeWindows Windows { get; }

    /// <summary>Makes the output record of a joined pair.</summary>
    public Func<T1, T2, TOut> Join { get; }

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitWindowJoin(this);
}
