namespace OrleansCheckpoint.Dataflow;

/// <summary>A keyed stream connected with a broadcast stream, processed by a <see cref="KeyedBroadcastProcessFunction{TKey, TIn, TBroadcast, TOut}"/>.</summary>
/// <typeparam name="T">The keyed stream's record type.</typeparam>
/// <typeparam name="TBroadcast">The broadcast stream's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class BroadcastConnectedStreams<T, TBroadcast, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T, TKey> _keyed;
    private readonly BroadcastStream<TBroadcast> _broadcast;

    internal BroadcastConnectedStreams(KeyedStream<T, TKey> keyed, BroadcastStream<TBroadcast> broadcast)
    {
        _keyed = keyed;
        _broadcast = broadcast;
    }

    /// <summary>
    /// Processes the keyed records with per-key state, timers and a read-only view of the broadcast state, and the
    /// broadcast records (each reaching every instance) with write access to it. <paramref name="createFunction"/> runs once per instance.
    /// </summary>
    public DataStream<TOut> Process<TOut>(string uid, Func<KeyedBroadcastProcessFunction<TKey, T, TBroadcast, TOut>> createFunction) =>
        _keyed.Then<TOut>(new KeyedBroadcastProcessTransformation<T, TBroadcast, TKey, TOut>(
            uid, _keyed.Edge(), _broadcast.Edge(), _keyed.Key, createFunction ?? throw new ArgumentNullException(nameof(createFunction))));
}
