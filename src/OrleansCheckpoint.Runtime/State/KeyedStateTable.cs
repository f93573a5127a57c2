using System.Runtime.InteropServices;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.State;

/// <summary>
/// Keyed state of one operator instance: a map from key to value, kept separately per key group so that a
/// snapshot (and later a rescale or an incremental checkpoint) can address whole key groups.
/// Snapshots are copy-on-write per key group: <see cref="Snapshot"/> hands out the current maps and the
/// next write to a handed-out map copies that key group first. Taking a snapshot therefore costs nothing on
/// the processing path; the maps it holds never change and can be serialized on another thread.
/// Values of a mutable type are copied with the group (<c>copyValue</c>), and a value read to be changed comes from a
/// writable group (<see cref="TryGetToModify"/>), so user code may change its state objects in place, as Flink allows.
/// <para>
/// Change tracking (incremental checkpoints, <c>trackChanges</c>): every write, removal or read-to-modify records its
/// key in its group's changed set (one hash-set add; a key already there costs a lookup), and
/// <see cref="CaptureChanges"/> walks only those keys — O(changed entries), never a copy of a key group — copying
/// mutable values, so what it captured never changes afterwards. Restores record nothing.
/// (Flink stamps a version in each entry instead; a set beside the map keeps the map's values plain, so the
/// copy-on-write <see cref="Snapshot"/> hands out the maps themselves.)
/// </para>
/// Knows nothing of grains.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <param name="keyGroups">The key groups of the instance.</param>
/// <param name="copyValue">Copies a value shared with a snapshot (see <see cref="StateCopiers"/>); null for immutable values.</param>
/// <param name="trackChanges">Whether to record the changed keys for <see cref="CaptureChanges"/>.</param>
internal sealed class KeyedStateTable<TKey, TValue>(KeyGroupRange keyGroups, Func<TValue, TValue>? copyValue = null, bool trackChanges = false)
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue>?[] _groups = new Dictionary<TKey, TValue>?[keyGroups.Count];
    private readonly bool[] _shared = new bool[keyGroups.Count];
    private readonly HashSet<TKey>?[]? _changed = trackChanges ? new HashSet<TKey>?[keyGroups.Count] : null;

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

    /// <summary>Whether values are copied before they may be changed in place (a mutable value type).</summary>
    public bool CopiesValues => copyValue is not null;

    /// <summary>Reads a value that the caller may change in place: never one a snapshot still holds.</summary>
    public bool TryGetToModify(int keyGroup, TKey key, out TValue value)
    {
        var index = Index(keyGroup);
        if (WritableHolding(index, key) is { } group && group.TryGetValue(key, out value!))
        {
            Changed(index, key);
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(int keyGroup, TKey key, TValue value)
    {
        var index = Index(keyGroup);
        Writable(index)[key] = value;
        Changed(index, key);
    }

    /// <summary>
    /// The slot of <paramref name="key"/>'s value, added if it had none: one lookup to read and replace a
    /// value (the default when just added). The reference is valid only until the next write to the table.
    /// </summary>
    public ref TValue? GetValueRefOrAddDefault(int keyGroup, TKey key, out bool existed)
    {
        var index = Index(keyGroup);
        Changed(index, key);
        return ref CollectionsMarshal.GetValueRefOrAddDefault(Writable(index), key, out existed);
    }

    public bool Remove(int keyGroup, TKey key) => TryRemove(keyGroup, key, out _);

    /// <summary>Removes <paramref name="key"/> and returns its value, if it had one.</summary>
    public bool TryRemove(int keyGroup, TKey key, out TValue value)
    {
        var index = Index(keyGroup);
        if (WritableHolding(index, key) is { } group && group.Remove(key, out value!))
        {
            Changed(index, key);
            return true;
        }

        value = default!;
        return false;
    }

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

    /// <summary>Every entry, in key-group order (the offline inspector reads a restored table so).</summary>
    public IEnumerable<(int KeyGroup, TKey Key, TValue Value)> Entries() =>
        NonEmptyGroups().SelectMany(g => g.Entries.Select(e => (g.KeyGroup, e.Key, e.Value)));

    /// <summary>How many entries the table holds, and in which key groups.</summary>
    public StateTableView Describe(string table)
    {
        var groups = NonEmptyGroups().Select(g => (g.KeyGroup, Count: (long)g.Entries.Count)).ToList();
        return groups.Count == 0
            ? new StateTableView(table, 0, 0, null, null)
            : new StateTableView(table, groups.Sum(g => g.Count), groups.Count, groups[0].KeyGroup, groups[^1].KeyGroup);
    }

    /// <summary>An immutable view of the table; later writes copy the key groups they touch.</summary>
    public KeyedStateSnapshot<TKey, TValue> Snapshot()
    {
        var groups = new Dictionary<int, Dictionary<TKey, TValue>>();
        for (var i = 0; i < _groups.Length; i++)
        {
            if (_groups[i] is { Count: > 0 } group)
            {
                groups.Add(KeyGroups.Start + i, group);
                _shared[i] = true;
            }
        }

        return new KeyedStateSnapshot<TKey, TValue>(groups);
    }

    /// <summary>Loads the key groups of <paramref name="snapshot"/> that this instance owns (all others are skipped).</summary>
    public void Restore(KeyedStateSnapshot<TKey, TValue> snapshot)
    {
        foreach (var (keyGroup, entries) in snapshot.Groups)
        {
            if (KeyGroups.Contains(keyGroup))
            {
                _groups[Index(keyGroup)] = new Dictionary<TKey, TValue>(entries);
                _shared[Index(keyGroup)] = false;
            }
        }
    }

    /// <summary>
    /// The entries changed since the last capture (or since tracking began), each with its current value (a copy when
    /// values are mutable) or as removed; forgets them, so the next capture holds only later changes.
    /// </summary>
    public TableChanges<TKey, TValue> CaptureChanges(string table)
    {
        var changed = _changed ?? throw new InvalidOperationException("This state table does not track changes.");
        var count = 0;
        foreach (var keys in changed)
        {
            count += keys?.Count ?? 0;
        }

        var entries = new Dictionary<TKey, StateChange<TValue>>(count);
        for (var i = 0; i < changed.Length; i++)
        {
            if (changed[i] is not { Count: > 0 } keys)
            {
                continue;
            }

            var group = _groups[i];
            foreach (var key in keys)
            {
                entries[key] = group is not null && group.TryGetValue(key, out var value)
                    ? new StateChange<TValue>(KeyGroups.Start + i, false, copyValue is null ? value : copyValue(value))
                    : new StateChange<TValue>(KeyGroups.Start + i, true, default!);
            }

            keys.Clear();
        }

        return new TableChanges<TKey, TValue>(table, entries);
    }

    /// <summary>All entries, as a section of a full piece (a copy-on-write <see cref="Snapshot"/>).</summary>
    public TableContents<TKey, TValue> CaptureAll(string table) => new(table, Snapshot());

    /// <summary>Applies a section read from a piece (sets and removals, in order) to the key groups this instance owns; records no change.</summary>
    public void Apply(ReadOnlyMemory<byte> section, StateCodecs codecs) =>
        StateEntries.Read<TKey, TValue>(section, codecs, (keyGroup, key, removed, value) =>
        {
            if (!KeyGroups.Contains(keyGroup))
            {
                return;
            }

            var index = Index(keyGroup);
            if (removed)
            {
                _ = WritableHolding(index, key)?.Remove(key);
            }
            else
            {
                Writable(index)[key] = value;
            }
        });

    private void Changed(int index, TKey key)
    {
        if (_changed is { } changed)
        {
            (changed[index] ??= []).Add(key);
        }
    }

    /// <summary>The writable map of the group at <paramref name="index"/> if it holds <paramref name="key"/> (a shared group is copied only then).</summary>
    private Dictionary<TKey, TValue>? WritableHolding(int index, TKey key) =>
        _groups[index] is { } group && (!_shared[index] || group.ContainsKey(key)) ? Writable(index) : null;

    private Dictionary<TKey, TValue> Writable(int index)
    {
        var group = _groups[index];
        if (group is null)
        {
            return _groups[index] = [];
        }

        if (_shared[index])
        {
            _shared[index] = false;
            if (copyValue is null)
            {
                return _groups[index] = new Dictionary<TKey, TValue>(group);
            }

            var copy = new Dictionary<TKey, TValue>(group.Count, group.Comparer);
            foreach (var (key, value) in group)
            {
                copy.Add(key, copyValue(value));
            }

            return _groups[index] = copy;
        }

        return group;
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

/// <summary>The entries of a keyed state table by key group, as captured by a snapshot.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
[GenerateSerializer, Immutable]
internal sealed record KeyedStateSnapshot<TKey, TValue>([property: Id(0)] Dictionary<int, Dictionary<TKey, TValue>> Groups)
    where TKey : notnull
{
    public long EntryCount => Groups.Values.Sum(g => (long)g.Count);
}
