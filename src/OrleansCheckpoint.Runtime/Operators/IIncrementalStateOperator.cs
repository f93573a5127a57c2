using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// An operator whose state is keyed state tables, checkpointed in pieces (incremental checkpoints): a snapshot captures
/// the entries changed since the last capture, or every entry for a full piece, as named sections; a restore applies
/// the sections of every piece of the chain in order. Tables are named within the operator (the operator's uid names
/// the operator in a piece).
/// </summary>
internal interface IIncrementalStateOperator
{
    /// <summary>The synchronous part of an incremental snapshot: each table's changes since its last capture (then forgotten).</summary>
    void CaptureChanges(List<IStateChanges> into);

    /// <summary>Every entry of every table, for a full piece (copy-on-write views: nothing is copied here).</summary>
    void CaptureAll(List<IStateSection> into);

    /// <summary>Applies one section of a piece, before any record arrives (pieces come oldest first).</summary>
    void RestoreSection(string table, int count, ReadOnlyMemory<byte> entries, StateCodecs codecs);

    /// <summary>Every section was applied: rebuild what derives from the state (timers).</summary>
    void OnSectionsRestored();

    /// <summary>
    /// A savepoint being restored says <paramref name="saved"/>'s table had these types: a table of other types now is an
    /// <see cref="Errors.IncompatibleSnapshotException"/> naming the operator and both types (at once for tables that
    /// exist, or when a process function first asks for a value state).
    /// </summary>
    void CheckTypes(Checkpointing.StateTableType saved);

    /// <summary>For the offline inspector: the size of each table as restored (timers included).</summary>
    IEnumerable<StateTableView> DescribeTables();

    /// <summary>
    /// For the offline inspector: the restored entries of every table (timers included), key and value as JSON; only
    /// those of <paramref name="key"/> (given as text, as <c>client query</c> takes it) unless it is null.
    /// </summary>
    IEnumerable<StateEntryView> Entries(string? key);
}
