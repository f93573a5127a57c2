namespace OrleansCheckpoint.Dataflow;

/// <summary>Two keyed streams with one key type, processed together by a <see cref="KeyedCoProcessFunction{TKey, TIn1, TIn2, TOut}"/>.</summary>
/// <typeparam name="T1">The first stream's record type.</typeparam>
/// <typeparam name="T2">The second stream's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class KeyedConnectedStreams<T1, T2, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T1, TKey> _first;
    private readonly KeyedStream<T2, TKey> _second;

    internal KeyedConnectedStreams(KeyedStream<T1, TKey> first, KeyedStream<T2, TKey> second)
    {
        _first = first;
        _second = second;
    }

    /// <summary>
    /// Processes the records of both streams with a function that has per-key state and timers, shared by the two inputs.
    /// <paramref name="createFunction"/> runs once per operator instance.
    /// </summary>
    public DataStream<TOut> Process<TOut>(string uid, Func<KeyedCoProcessFunction<TKey, T1, T2, TOut>> createFunction) =>
        _first.Then<TOut>(new KeyedCoProcessTransformation<T1, T2, TKey, TOut>(
            uid, _first.Edge(), _second.Edge(), _first.Key, _second.Key, createFunction ?? throw new ArgumentNullException(nameof(createFunction))));
}
