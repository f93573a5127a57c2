namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// An interval join of two keyed streams (Flink's <c>IntervalJoinOperator</c>): a left record at <c>t</c> meets each right
/// record of its key at <c>t + LowerMs … t + UpperMs</c>.
/// </summary>
/// <typeparam name="T1">The left input's record type.</typeparam>
/// <typeparam name="T2">The right input's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public sealed class IntervalJoinTransformation<T1, T2, TKey, TOut> : KeyedTwoInputTransformation<T1, T2, TKey, TOut>
    where TKey : notnull
{
    internal IntervalJoinTransformation(
        string uid, InputEdge left, InputEdge right, KeySelector<T1, TKey> key1, KeySelector<T2, TKey> key2, long lowerMs, long upperMs, Func<T1, T2, TOut> join)
        : base(uid, left, right, key1, key2)
    {
        LowerMs = lowerMs;
        UpperMs = upperMs;
        Join = join;
    }

    /// <summary>The interval's lower bound relative to the left record's time, in milliseconds (inclusive).</summary>
    public long LowerMs { get; }

    /// <summary>The interval's upper bound relative to the left record's time, in milliseconds (inclusive).</summary>
    public long UpperMs { get; }

    /// <summary>Makes the output record of a joined pair.</summary>
    public Func<T1, T2, TOut> Join { get; }

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitIntervalJoin(this);
}
