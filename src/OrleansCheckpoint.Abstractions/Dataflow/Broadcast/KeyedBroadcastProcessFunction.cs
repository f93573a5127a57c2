namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A function over a keyed stream and a broadcast stream (Flink's <c>KeyedBroadcastProcessFunction</c>): the pattern of
/// rules or configuration applied to events, as fraud detection does. Each instance receives every broadcast record and
/// keeps its own copy of the broadcast state, checkpointed with it; a keyed record sees its key's state and a read-only
/// view of the broadcast state. Broadcast records from several upstream instances may reach two instances in different
/// orders, so <see cref="ProcessBroadcastElement"/> must update the broadcast state alike whatever the order (as Flink requires).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TIn">The keyed input's record type.</typeparam>
/// <typeparam name="TBroadcast">The broadcast input's record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public abstract class KeyedBroadcastProcessFunction<TKey, TIn, TBroadcast, TOut>
    where TKey : notnull
{
    /// <summary>Processes one keyed record: its key's state and timers, and the broadcast state read-only.</summary>
    public abstract void ProcessElement(TIn value, IKeyedBroadcastContext<TKey> context, ICollector<TOut> output);

    /// <summary>Processes one broadcast record (on every instance): the broadcast state, writable. What it emits has the record's timestamp.</summary>
    public abstract void ProcessBroadcastElement(TBroadcast value, IBroadcastContext context, ICollector<TOut> output);

    /// <summary>An event-time timer of a key fired, as in <see cref="KeyedProcessFunction{TKey, TIn, TOut}.OnTimer"/>. Does nothing unless overridden.</summary>
    public virtual void OnTimer(long timestamp, IKeyedBroadcastContext<TKey> context, ICollector<TOut> output)
    {
    }
}
