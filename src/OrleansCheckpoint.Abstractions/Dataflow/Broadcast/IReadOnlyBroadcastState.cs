namespace OrleansCheckpoint.Dataflow;

/// <summary>A broadcast state as a keyed record sees it (Flink's <c>ReadOnlyBroadcastState</c>).</summary>
/// <typeparam name="TKey">The map's key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public interface IReadOnlyBroadcastState<TKey, TValue>
    where TKey : notnull
{
    /// <summary>The number of entries.</summary>
    int Count { get; }

    /// <summary>The entries, in no particular order.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Entries { get; }

    /// <summary>The value of <paramref name="key"/>, if it has one.</summary>
    bool TryGetValue(TKey key, out TValue value);
}
