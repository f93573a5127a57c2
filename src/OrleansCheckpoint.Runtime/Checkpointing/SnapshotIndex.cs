using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// The index of an instance's incremental snapshot (<c>chk-N</c>, format 2): its watermarks, the state of its operators
/// that is not keyed (sources, sinks: small, kept whole), and the chain of pieces that hold its keyed state, oldest
/// first — a full piece, then the changes of later checkpoints. A savepoint's index names a single full piece of its own
/// and the types of its state tables (<paramref name="Types"/>), so that a restore into a changed job can say which
/// operator's state changed type.
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record SnapshotIndex(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] long CheckpointId,
    [property: Id(2)] IReadOnlyList<OperatorSnapshot> Operators,
    [property: Id(3)] TaskWatermarks? Watermarks,
    [property: Id(4)] IReadOnlyList<StatePiece> Chain,
    [property: Id(5)] StateTableType[]? Types = null,
    [property: Id(6)] SnapshotKind Kind = SnapshotKind.Checkpoint);

/// <summary>The key and value types of one keyed state table of an operator, as written in a savepoint.</summary>
[GenerateSerializer, Immutable]
internal sealed record StateTableType([property: Id(0)] string Uid, [property: Id(1)] string Table, [property: Id(2)] string KeyType, [property: Id(3)] string ValueType)
{
    /// <summary>The types of a section whose types are known (a section kept raw since its restore has none).</summary>
    public static StateTableType? Of(string uid, State.IStateSection section) =>
        section.Types is { } types ? new StateTableType(uid, section.Table, State.TypeNames.Of(types.Key), State.TypeNames.Of(types.Value)) : null;

    /// <summary>"key type → value type", as errors name it.</summary>
    public string Describe() => $"{KeyType} → {ValueType}";
}

/// <summary>What a restore reads: a whole snapshot (format 1), or an index with its pieces' payloads in chain order.</summary>
internal sealed record RestoredSnapshot(TaskSnapshot? Whole, SnapshotIndex? Index, IReadOnlyList<byte[]> Pieces)
{
    public TaskId Task => Whole?.Task ?? Index!.Task;
}

/// <summary>How a stored snapshot blob is laid out (the blob header says which).</summary>
internal enum SnapshotFormat
{
    /// <summary>A <see cref="TaskSnapshot"/> serialized by Orleans (every snapshot before incremental checkpoints).</summary>
    Whole = 0,

    /// <summary>A <see cref="SnapshotIndex"/> serialized by Orleans.</summary>
    Index = 2,

    /// <summary>A state piece (<see cref="State.StatePieceCodec"/>).</summary>
    Piece = 3,
}
