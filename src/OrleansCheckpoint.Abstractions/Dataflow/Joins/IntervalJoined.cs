namespace OrleansCheckpoint.Dataflow;

/// <summary>Two keyed streams joined by time interval, waiting for the function that makes each joined pair's record.</summary>
/// <typeparam name="T1">The left stream's record type.</typeparam>
/// <typeparam name="T2">The right stream's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class IntervalJoined<T1, T2, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T1, TKey> _left;
    private readonly KeyedStream<T2, TKey> _right;
    private readonly long _lowerMs;
    private readonly long _upperMs;

    internal IntervalJoined(KeyedStream<T1, TKey> left, KeyedStream<T2, TKey> right, long lowerMs, long upperMs)
    {
        _left = left;
        _right = right;
        _lowerMs = lowerMs;
        _upperMs = upperMs;
    }

    /// <summary>
    /// Emits <paramref name="join"/>(left, right) for each pair of records of one key within the interval, timestamped with
    /// the later of the two. Each side's records are kept (keyed state, checkpointed) until the watermark passes the last
    /// time a partner could have; a record behind its channel's watermark is late: counted and dropped.
    /// </summary>
    public DataStream<TOut> Process<TOut>(string uid, Func<T1, T2, TOut> join) =>
        _left.Then<TOut>(new IntervalJoinTransformation<T1, T2, TKey, TOut>(
            uid, _left.Edge(), _right.Edge(), _left.Key, _right.Key, _lowerMs, _upperMs, join ?? throw new ArgumentNullException(nameof(join))));
}
