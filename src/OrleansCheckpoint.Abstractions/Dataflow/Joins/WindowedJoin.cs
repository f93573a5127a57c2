namespace OrleansCheckpoint.Dataflow;

/// <summary>A window join ready for the function that makes each joined pair's record.</summary>
/// <typeparam name="T1">The left stream's record type.</typeparam>
/// <typeparam name="T2">The right stream's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class WindowedJoin<T1, T2, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T1, TKey> _left;
    private readonly KeyedStream<T2, TKey> _right;
    private readonly EventTimeWindows _windows;

    internal WindowedJoin(KeyedStream<T1, TKey> left, KeyedStream<T2, TKey> right, EventTimeWindows windows)
    {
        _left = left;
        _right = right;
        _windows = windows;
    }

    /// <summary>
    /// When the watermark passes a window's end, emits <paramref name="join"/>(left, right) for every pair of one key's
    /// records in that window (the cross product, as Flink's window join), timestamped with the window's last millisecond;
    /// then the window's records are dropped. A record is late for a window its channel's watermark has passed; one late
    /// for all its windows is counted and dropped.
    /// </summary>
    public DataStream<TOut> Apply<TOut>(string uid, Func<T1, T2, TOut> join) =>
        _left.Then<TOut>(new WindowJoinTransformation<T1, T2, TKey, TOut>(
            uid, _left.Edge(), _right.Edge(), _left.Key, _right.Key, _windows, join ?? throw new ArgumentNullException(nameof(join))));
}
