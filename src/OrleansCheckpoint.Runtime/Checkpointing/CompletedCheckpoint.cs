using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>A completed checkpoint: immutable metadata and the pointer to its persisted manifest.</summary>
[GenerateSerializer, Immutable]
internal sealed record CompletedCheckpoint(
    [property: Id(0)] long Id,
    [property: Id(1)] long Generation,
    [property: Id(2)] DateTimeOffset TriggeredAt,
    [property: Id(3)] DateTimeOffset CompletedAt,
    [property: Id(4)] string ManifestStateName,
    [property: Id(5)] IReadOnlyList<SnapshotHandle> Handles)
{
    public long SizeBytes => Handles.Sum(h => h.SizeBytes);
}

/// <summary>The manifest written for a completed checkpoint: every instance's snapshot handle.</summary>
[GenerateSerializer]
internal sealed class CheckpointManifest
{
    /// <summary>The job.</summary>
    [Id(0)]
    public string Job { get; set; } = string.Empty;

    /// <summary>The checkpoint id.</summary>
    [Id(1)]
    public long CheckpointId { get; set; }

    /// <summary>The job generation that took it.</summary>
    [Id(2)]
    public long Generation { get; set; }

    /// <summary>When it was triggered.</summary>
    [Id(3)]
    public DateTimeOffset TriggeredAt { get; set; }

    /// <summary>When the last acknowledgement arrived.</summary>
    [Id(4)]
    public DateTimeOffset CompletedAt { get; set; }

    /// <summary>The snapshot of every operator instance of the job.</summary>
    [Id(5)]
    public List<SnapshotHandle> Snapshots { get; set; } = [];
}

/// <summary>The completed checkpoints a job retains, newest last; adding one evicts the oldest beyond the limit.</summary>
internal sealed class CompletedCheckpointStore(int retained, IEnumerable<CompletedCheckpoint> existing)
{
    private readonly List<CompletedCheckpoint> _checkpoints = [.. existing.OrderBy(c => c.Id)];

    public IReadOnlyList<CompletedCheckpoint> All => _checkpoints;

    public CompletedCheckpoint? Latest => _checkpoints.Count > 0 ? _checkpoints[^1] : null;

    /// <summary>What the store would retain with <paramref name="checkpoint"/> added, and what that evicts; nothing changes until <see cref="Accept"/>.</summary>
    public (IReadOnlyList<CompletedCheckpoint> Retained, IReadOnlyList<CompletedCheckpoint> Evicted) With(CompletedCheckpoint checkpoint)
    {
        List<CompletedCheckpoint> all = [.. _checkpoints, checkpoint];
        var evictedCount = Math.Max(0, all.Count - retained);
        return (all[evictedCount..], all[..evictedCount]);
    }

    /// <summary>Replaces the retained checkpoints by <paramref name="checkpoints"/> (once they are persisted).</summary>
    public void Accept(IReadOnlyList<CompletedCheckpoint> checkpoints)
    {
        _checkpoints.Clear();
        _checkpoints.AddRange(checkpoints);
    }
}

/// <summary>Counts consecutive checkpoint failures and decides when the job must fail (Flink's CheckpointFailureManager).</summary>
internal sealed class CheckpointFailureManager(int tolerableFailures)
{
    public int ConsecutiveFailures { get; private set; }

    public void OnSuccess() => ConsecutiveFailures = 0;

    /// <summary>Records a failure; true when it is one more than tolerated.</summary>
    public bool OnFailure() => ++ConsecutiveFailures > tolerableFailures;
}
