namespace OrleansCheckpoint.Dataflow;

/// <summary>What a broadcast record of a <see cref="KeyedBroadcastProcessFunction{TKey, TIn, TBroadcast, TOut}"/> sees: the broadcast state, writable.</summary>
public interface IBroadcastContext
{
    /// <summary>The event timestamp of the broadcast record (Unix milliseconds), or <see cref="long.MinValue"/> if it has none.</summary>
    long Timestamp { get; }

    /// <summary>The current event-time watermark of this operator instance (Unix milliseconds).</summary>
    long CurrentWatermark { get; }

    /// <summary>
    /// The broadcast state <paramref name="name"/>: a map from <typeparamref name="TStateKey"/> to <typeparamref name="TValue"/>
    /// that every instance holds a copy of, checkpointed with it (both types serializable by Orleans).
    /// </summary>
    IBroadcastState<TStateKey, TValue> GetBroadcastState<TStateKey, TValue>(string name)
        where TStateKey : notnull;
}
