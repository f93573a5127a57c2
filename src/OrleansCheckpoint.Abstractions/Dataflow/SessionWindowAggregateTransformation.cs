namespace OrleansCheckpoint.Dataflow;

/// <summary>An aggregate per key and event-time session.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
public sealed class SessionWindowAggregateTransformation<T, TKey, TAcc, TOut> : KeyedTransformation<T, TKey, WindowResult<TKey, TOut>>
    where TKey : notnull
{
    internal SessionWindowAggregateTransformation(
        string uid, InputEdge input, KeySelector<T, TKey> key, EventTimeSessionWindows sessions, IMergeableAggregateFunction<T, TAcc, TOut> aggregate)
        : base(uid, input, key)
    {
        Sessions = sessions;
        Aggregate = aggregate;
    }

    /// <summary>The session assigner.</summary>
    public EventTimeSessionWindows Sessions { get; }

    /// <summary>The aggregate function.</summary>
    public IMergeableAggregateFunction<T, TAcc, TOut> Aggregate { get; }

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitSessionWindowAggregate(this);
}
