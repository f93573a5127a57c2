namespace OrleansCheckpoint.Dataflow;

/// <summary>What a keyed record of a <see cref="KeyedBroadcastProcessFunction{TKey, TIn, TBroadcast, TOut}"/> sees: its key's context and the broadcast state, read-only.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public interface IKeyedBroadcastContext<out TKey> : IKeyedContext<TKey>
{
    /// <summary>The broadcast state <paramref name="name"/> (empty until a broadcast record puts something in it).</summary>
    IReadOnlyBroadcastState<TStateKey, TValue> GetBroadcastState<TStateKey, TValue>(string name)
        where TStateKey : notnull;
}
