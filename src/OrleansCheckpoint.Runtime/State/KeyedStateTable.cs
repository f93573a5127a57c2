using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.State;

/// <summary>
/// Keyed state of one operator instance: a map from key to value, kept separately per key group so that a
/// snapshot (and later a rescale or an incremental checkpoint) can address whole key groups.
/// Knows nothing of grains.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
internal sealed class KeyedStateTable<TKey, TValue>(KeyGroupRange keyGroups)
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue>?[] _groups = new Dictionary<TKey, TValue>?[keyGroups.Count];

    public KeyGroupRange KeyGroups { get; } = keyGroups;

    public bool TryGet(int keyGroup, TKey key, out TValue value)
    {
        var group = _groups[Index(keyGroup)];
        if (group is not null && group.TryGetValue(key, out value!))
        {
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(int keyGroup, TKey key, TValue value) => (_groups[Index(keyGroup)] ??= [])[key] = value;

    public bool Remove(int keyGroup, TKey key) => _groups[Index(keyGroup)]?.Remove(key) ?? false;

    /// <summary>The key groups that hold entries, with their entries.</summary>
    public IEnumerable<(int KeyGroup, IReadOnlyDictionary<TKey, TValue> Entries)> NonEmptyGroups()
    {
        for (var i = 0; i < _groups.Length; i++)
        {
            if (_groups[i] is { Count: > 0 } group)
            {
                yield return (KeyGroups.Start + i, group);
            }
        }
    }

    private int Index(int keyGroup)
    {
        if (!KeyGroups.Contains(keyGroup))
        {
            throw new InvalidOperationException($"Key group {keyGroup} does not belong to this instance ({KeyGroups.Start}..{KeyGroups.End}): a record was routed to the wrong partition.");
        }

        return keyGroup - KeyGroups.Start;
    }
}
