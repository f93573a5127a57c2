using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>What an acknowledgement did to a checkpoint (Flink's <c>TaskAcknowledgeResult</c>).</summary>
internal enum AcknowledgeResult
{
    /// <summary>Counted.</summary>
    Success,

    /// <summary>This instance had acknowledged already; not counted again.</summary>
    Duplicate,

    /// <summary>The instance does not belong to the checkpoint.</summary>
    Unknown,

    /// <summary>The checkpoint was already completed or aborted.</summary>
    Discarded,
}

/// <summary>A triggered checkpoint: owns the set of instances that still owe an acknowledgement.</summary>
internal sealed class PendingCheckpoint(
    long id, long generation, DateTimeOffset triggeredAt, IEnumerable<TaskId> tasks, SnapshotKind kind = SnapshotKind.Checkpoint, bool stopsSources = false)
{
    private readonly HashSet<TaskId> _owed = [.. tasks];
    private readonly Dictionary<TaskId, SnapshotHandle> _acknowledged = [];

    public long Id { get; } = id;

    public long Generation { get; } = generation;

    public DateTimeOffset TriggeredAt { get; } = triggeredAt;

    public SnapshotKind Kind { get; } = kind;

    /// <summary>A stop with a savepoint: the sources take no more pushes until it is aborted.</summary>
    public bool StopsSources { get; } = stopsSources;

    public int Total => _owed.Count + _acknowledged.Count;

    public bool IsFullyAcknowledged => _owed.Count == 0;

    public bool IsDiscarded { get; private set; }

    public IReadOnlyCollection<SnapshotHandle> Handles => _acknowledged.Values;

    public AcknowledgeResult Acknowledge(SnapshotHandle handle)
    {
        if (IsDiscarded)
        {
            return AcknowledgeResult.Discarded;
        }

        if (_acknowledged.ContainsKey(handle.Task))
        {
            return AcknowledgeResult.Duplicate;
        }

        if (!_owed.Remove(handle.Task))
        {
            return AcknowledgeResult.Unknown;
        }

        _acknowledged.Add(handle.Task, handle);
        return AcknowledgeResult.Success;
    }

    /// <summary>Marks the checkpoint aborted: later acknowledgements are discarded.</summary>
    public void Discard() => IsDiscarded = true;
}
