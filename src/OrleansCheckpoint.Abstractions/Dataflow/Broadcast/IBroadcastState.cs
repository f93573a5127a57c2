namespace OrleansCheckpoint.Dataflow;

/// <summary>A broadcast state as a broadcast record sees it: writable (Flink's <c>BroadcastState</c>).</summary>
/// <typeparam name="TKey">The map's key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public interface IBroadcastState<TKey, TValue> : IReadOnlyBroadcastState<TKey, TValue>
    where TKey : notnull
{
    /// <summary>Sets the value of <paramref name="key"/>.</summary>
    void Put(TKey key, TValue value);

    /// <summary>Removes <paramref name="key"/>; whether it was there.</summary>
    bool Remove(TKey key);

    /// <summary>Removes every entry.</summary>
    void Clear();
}
