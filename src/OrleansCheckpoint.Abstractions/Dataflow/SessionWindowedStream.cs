namespace OrleansCheckpoint.Dataflow;

/// <summary>A keyed stream grouped into event-time sessions.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class SessionWindowedStream<T, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T, TKey> _keyed;
    private readonly EventTimeSessionWindows _sessions;
    private OutputTag<T>? _lateData;

    internal SessionWindowedStream(KeyedStream<T, TKey> keyed, EventTimeSessionWindows sessions)
    {
        _keyed = keyed;
        _sessions = sessions;
    }

    /// <summary>
    /// Sends late records (whose merged session had ended by their channel's watermark) with their timestamps to the side
    /// output <paramref name="tag"/> instead of dropping them; read it with <see cref="DataStream{T}.GetSideOutput{TSide}"/>.
    /// </summary>
    public SessionWindowedStream<T, TKey> SideOutputLateData(OutputTag<T> tag)
    {
        _lateData = tag ?? throw new ArgumentNullException(nameof(tag));
        return this;
    }

    /// <summary>
    /// Aggregates each key's records per session; a session's result (<see cref="WindowResult{TKey, TValue}"/>: from its
    /// first record to one gap after its last) is emitted when the watermark passes its end. The function must merge.
    /// </summary>
    public DataStream<WindowResult<TKey, TOut>> Aggregate<TAcc, TOut>(string uid, IMergeableAggregateFunction<T, TAcc, TOut> aggregate) =>
        _keyed.Then<WindowResult<TKey, TOut>>(new SessionWindowAggregateTransformation<T, TKey, TAcc, TOut>(
            uid, _keyed.Edge(), _keyed.Key, _sessions, aggregate ?? throw new ArgumentNullException(nameof(aggregate)), _lateData));

    /// <summary>Counts each key's records per session.</summary>
    public DataStream<WindowResult<TKey, long>> Count(string uid) => Aggregate(uid, new CountAggregate<T>());

    /// <summary>Reduces each key's records per session.</summary>
    public DataStream<WindowResult<TKey, T>> Reduce(string uid, Func<T, T, T> reduce) =>
        Aggregate(uid, new ReduceAggregate<T>(reduce ?? throw new ArgumentNullException(nameof(reduce))));
}
