namespace OrleansCheckpoint.Dataflow;

/// <summary>An aggregate per key and event-time session.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
public sealed class SessionWindowAggregateTransformation<T, TKey, TAcc, TOut>
    : KeyedTransformation<T, TKey, WindowResult<TKey, TOut>>, ILateDataProducer<T>
    where TKey : notnull
{
    internal SessionWindowAggregateTransformation(
        string uid,
        InputEdge input,
        KeySelector<T, TKey> key,
        EventTimeSessionWindows sessions,
        IMergeableAggregateFunction<T, TAcc, TOut> aggregate,
        OutputTag<T>? lateDataTag)
        : base(uid, input, key)
    {
        LateDataTag = lateDataTag;
        Sessions = sessions;
        Aggregate = aggregate;
    }

    /// <summary>The session assigner.</summary>
    public EventTimeSessionWindows Sessions { get; }

    /// <summary>The aggregate function.</summary>
    public IMergeableAggregateFunction<T, TAcc, TOut> Aggregate { get; }

    /// <summary>Where late records go (declared with <c>SideOutputLateData</c>); null: counted and dropped.</summary>
    public OutputTag<T>? LateDataTag { get; }

    /// <summary>The side output of the late records, once the job reads it (<see cref="DataStream{T}.GetSideOutput{TSide}"/>); else null.</summary>
    public SideOutputTransformation<T>? LateDataOutput { get; private set; }

    SideOutputTransformation<T>? ILateDataProducer<T>.LateDataOutput { get => LateDataOutput; set => LateDataOutput = value; }

    Transformation? ISideOutputProducer.SideOutput => LateDataOutput;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitSessionWindowAggregate(this);
}
