namespace OrleansCheckpoint.Dataflow;

/// <summary>A keyed stream grouped into event-time windows.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class WindowedStream<T, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T, TKey> _keyed;
    private readonly EventTimeWindows _windows;
    private LateDataPolicy<T> _late;

    internal WindowedStream(KeyedStream<T, TKey> keyed, EventTimeWindows windows)
    {
        _keyed = keyed;
        _windows = windows;
    }

    /// <summary>
    /// Keeps each window's state until the watermark passes its end − 1 + <paramref name="lateness"/> (Flink's
    /// <c>allowedLateness</c>): a record that arrives after the window fired, but within the lateness, is added and the
    /// window fires again at once with its updated result. Judged by the watermark of the record's input channel.
    /// </summary>
    public WindowedStream<T, TKey> AllowedLateness(TimeSpan lateness)
    {
        _late = _late with { AllowedLatenessMs = LateDataPolicy<T>.Check(lateness) };
        return this;
    }

    /// <summary>
    /// Sends records later than the allowed lateness (with their timestamps) to the side output <paramref name="tag"/>
    /// instead of dropping them; read it with <see cref="DataStream{T}.GetSideOutput{TSide}"/> on the window's result.
    /// </summary>
    public WindowedStream<T, TKey> SideOutputLateData(OutputTag<T> tag)
    {
        _late = _late with { Tag = tag ?? throw new ArgumentNullException(nameof(tag)) };
        return this;
    }

    /// <summary>Aggregates each key's records per window; a window's result is emitted when the watermark passes its end.</summary>
    public DataStream<WindowResult<TKey, TOut>> Aggregate<TAcc, TOut>(string uid, IAggregateFunction<T, TAcc, TOut> aggregate) =>
        _keyed.Then<WindowResult<TKey, TOut>>(new WindowAggregateTransformation<T, TKey, TAcc, TOut>(
            uid, _keyed.Edge(), _keyed.Key, _windows, aggregate ?? throw new ArgumentNullException(nameof(aggregate)), _late));

    /// <summary>Counts each key's records per window.</summary>
    public DataStream<WindowResult<TKey, long>> Count(string uid) => Aggregate(uid, new CountAggregate<T>());

    /// <summary>Reduces each key's records per window.</summary>
    public DataStream<WindowResult<TKey, T>> Reduce(string uid, Func<T, T, T> reduce) =>
        Aggregate(uid, new ReduceAggregate<T>(reduce ?? throw new ArgumentNullException(nameof(reduce))));
}
