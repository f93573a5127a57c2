namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// An aggregate per key and event-time window (tumbling or sliding), emitted when the watermark passes the window's end.
/// With an allowed lateness, a window's state is kept until the watermark passes end − 1 + lateness, and a record that
/// arrives after the window fired but within the lateness updates it and makes it fire again; a record later than that
/// goes to the late-data side output if one is declared, else it is counted and dropped.
/// </summary>
/// <typeparam name="T">The input record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <typeparam name="TOut">The aggregate's result type.</typeparam>
public sealed class WindowAggregateTransformation<T, TKey, TAcc, TOut>
    : KeyedTransformation<T, TKey, WindowResult<TKey, TOut>>, IHasStateInvariants<TKey, TOut>, ILateDataProducer<T>
    where TKey : notnull
{
    private readonly List<StateInvariant<TKey, TOut>> _stateInvariants = [];

    internal WindowAggregateTransformation(
        string uid,
        InputEdge input,
        KeySelector<T, TKey> key,
        EventTimeWindows windows,
        IAggregateFunction<T, TAcc, TOut> aggregate,
        LateDataPolicy<T> late)
        : base(uid, input, key)
    {
        Windows = windows;
        Aggregate = aggregate;
        AllowedLatenessMs = late.AllowedLatenessMs;
        LateDataTag = late.Tag;
    }

    /// <summary>The window assigner.</summary>
    public EventTimeWindows Windows { get; }

    /// <summary>The aggregate function.</summary>
    public IAggregateFunction<T, TAcc, TOut> Aggregate { get; }

    /// <summary>How long (ms) after a window's end − 1 its state is kept for late records, which make it fire again; 0 by default.</summary>
    public long AllowedLatenessMs { get; }

    /// <summary>Where records later than the allowed lateness go (declared with <c>SideOutputLateData</c>); null: counted and dropped.</summary>
    public OutputTag<T>? LateDataTag { get; }

    /// <summary>The side output of the late records, once the job reads it (<see cref="DataStream{T}.GetSideOutput{TSide}"/>); else null.</summary>
    public SideOutputTransformation<T>? LateDataOutput { get; private set; }

    SideOutputTransformation<T>? ILateDataProducer<T>.LateDataOutput { get => LateDataOutput; set => LateDataOutput = value; }

    Transformation? ISideOutputProducer.SideOutput => LateDataOutput;

    /// <summary>The consistency functions over the open windows' results (key, the window's result so far), checked at every checkpoint.</summary>
    public IReadOnlyList<StateInvariant<TKey, TOut>> StateInvariants => _stateInvariants;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitWindowAggregate(this);

    void IHasStateInvariants<TKey, TOut>.AddStateInvariant(StateInvariant<TKey, TOut> invariant) => _stateInvariants.Add(invariant);
}
