namespace OrleansCheckpoint.Runtime.State;

/// <summary>
/// The entries of one keyed state table that go into a piece: a count, then per entry its key group, whether it is
/// set or removed, its key and (when set) its value, in the layout of <see cref="StateCodecs"/>.
/// </summary>
internal interface IStateSection
{
    /// <summary>The table's name within its operator (<c>value:count</c>, <c>timers</c>, <c>windows</c>, …).</summary>
    string Table { get; }

    int Count { get; }

    /// <summary>The key and value types of the table (null for a section kept raw: its types are not known yet).</summary>
    (Type Key, Type Value)? Types { get; }

    void Write(StateWriter writer, StateCodecs codecs);
}

/// <summary>The entries of a table that changed between two captures: merged, the newer change of a key wins.</summary>
internal interface IStateChanges : IStateSection
{
    IStateChanges MergeWith(IStateChanges newer);
}

/// <summary>A section read from a piece and kept as it was, for a state no operator has asked for yet.</summary>
internal sealed record RawStateSection(string Table, int Count, ReadOnlyMemory<byte> Entries) : IStateSection
{
    public (Type Key, Type Value)? Types => null;

    public void Write(StateWriter writer, StateCodecs codecs) => writer.WriteRaw(Entries.Span);
}

/// <summary>A change of one entry: its key group and, unless removed, its value (a copy the table no longer writes).</summary>
internal readonly record struct StateChange<TValue>(int KeyGroup, bool Removed, TValue Value);

/// <summary>The changed entries of one <see cref="KeyedStateTable{TKey, TValue}"/>, captured by <see cref="KeyedStateTable{TKey, TValue}.CaptureChanges"/>.</summary>
internal sealed class TableChanges<TKey, TValue>(string table, Dictionary<TKey, StateChange<TValue>> entries) : IStateChanges
    where TKey : notnull
{
    public string Table { get; } = table;

    public int Count => entries.Count;

    public (Type Key, Type Value)? Types => (typeof(TKey), typeof(TValue));

    public IReadOnlyDictionary<TKey, StateChange<TValue>> Entries => entries;

    public IStateChanges MergeWith(IStateChanges newer)
    {
        var later = (TableChanges<TKey, TValue>)newer;
        var merged = new Dictionary<TKey, StateChange<TValue>>(entries, entries.Comparer);
        foreach (var (key, change) in later.Entries)
        {
            merged[key] = change;
        }

        return new TableChanges<TKey, TValue>(Table, merged);
    }

    public void Write(StateWriter writer, StateCodecs codecs)
    {
        var keyCodec = codecs.For<TKey>();
        var valueCodec = codecs.For<TValue>();
        writer.WriteVarUInt64((ulong)entries.Count);
        foreach (var (key, change) in entries)
        {
            StateEntries.Write(writer, keyCodec, valueCodec, change.KeyGroup, key, change.Removed, change.Value);
        }
    }
}

/// <summary>All entries of a table, from its copy-on-write snapshot: the section of a full piece.</summary>
internal sealed class TableContents<TKey, TValue>(string table, KeyedStateSnapshot<TKey, TValue> snapshot) : IStateSection
    where TKey : notnull
{
    public string Table { get; } = table;

    public int Count { get; } = (int)snapshot.EntryCount;

    public (Type Key, Type Value)? Types => (typeof(TKey), typeof(TValue));

    public void Write(StateWriter writer, StateCodecs codecs)
    {
        var keyCodec = codecs.For<TKey>();
        var valueCodec = codecs.For<TValue>();
        writer.WriteVarUInt64((ulong)Count);
        foreach (var (keyGroup, group) in snapshot.Groups)
        {
            foreach (var (key, value) in group)
            {
                StateEntries.Write(writer, keyCodec, valueCodec, keyGroup, key, removed: false, value);
            }
        }
    }
}

/// <summary>The layout of one entry of a section.</summary>
internal static class StateEntries
{
    public static void Write<TKey, TValue>(StateWriter writer, IStateCodec<TKey> keys, IStateCodec<TValue> values, int keyGroup, TKey key, bool removed, TValue value)
    {
        writer.WriteVarUInt64((ulong)keyGroup);
        writer.WriteByte(removed ? (byte)1 : (byte)0);
        keys.Write(writer, key);
        if (!removed)
        {
            values.Write(writer, value);
        }
    }

    /// <summary>Reads a section's entries and hands each to <paramref name="apply"/> (removed entries with a default value).</summary>
    public static void Read<TKey, TValue>(ReadOnlyMemory<byte> section, StateCodecs codecs, Action<int, TKey, bool, TValue> apply)
    {
        var keys = codecs.For<TKey>();
        var values = codecs.For<TValue>();
        var reader = new StateReader(section);
        var count = reader.ReadVarUInt64();
        for (ulong i = 0; i < count; i++)
        {
            var keyGroup = checked((int)reader.ReadVarUInt64());
            var removed = reader.ReadByte() switch
            {
                0 => false,
                1 => true,
                var other => throw new FormatException($"Entry {i} of a state section has kind {other} (0 set, 1 removed)."),
            };
            var key = keys.Read(reader);
            apply(keyGroup, key, removed, removed ? default! : values.Read(reader));
        }

        if (!reader.AtEnd)
        {
            throw new FormatException($"A state section of {count} entries has bytes left after them.");
        }
    }
}
