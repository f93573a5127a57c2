using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// A completed checkpoint or savepoint: immutable metadata and the pointer to its persisted manifest.
/// <paramref name="Layout"/> says which operators (by uid) each vertex's instances ran, so that a restore into a
/// changed job matches state to operators by uid; <paramref name="Parallelism"/> is the job's when it was taken.
/// (Both are 0 / null in checkpoints taken before they were kept: the job's layout then is the current one.)
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record CompletedCheckpoint(
    [property: Id(0)] long Id,
    [property: Id(1)] long Generation,
    [property: Id(2)] DateTimeOffset TriggeredAt,
    [property: Id(3)] DateTimeOffset CompletedAt,
    [property: Id(4)] string ManifestStateName,
    [property: Id(5)] IReadOnlyList<SnapshotHandle> Handles,
    [property: Id(6)] SnapshotKind Kind = SnapshotKind.Checkpoint,
    [property: Id(7)] int Parallelism = 0,
    [property: Id(8)] bool Stopped = false,
    [property: Id(9)] SnapshotLayout? Layout = null)
{
    public long SizeBytes => Handles.Sum(h => h.SizeBytes);

    public bool IsSavepoint => Kind == SnapshotKind.Savepoint;

    public SavepointInfo ToSavepointInfo(string job) =>
        new(Id, job, SavepointInfo.PathOf(job, Id), TriggeredAt, CompletedAt, SizeBytes, Parallelism, Stopped, Handles);
}

/// <summary>
/// Which operators, by uid, the instances of each vertex ran when a snapshot was taken (vertex uid → its chain's operator
/// uids), and which of them keep state (sources, keyed operators, sinks: a restore must place theirs; maps and filters keep none).
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record SnapshotLayout([property: Id(0)] Dictionary<string, string[]> Vertices, [property: Id(1)] string[]? Stateful = null)
{
    /// <summary>Every operator uid the snapshot holds state of, with the vertex that ran it (a method: the record is persisted as JSON with its properties).</summary>
    public IEnumerable<(string Operator, string Vertex)> Operators() => Vertices.SelectMany(v => v.Value.Select(o => (o, v.Key)));
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

    /// <summary>A checkpoint or a savepoint.</summary>
    [Id(6)]
    public SnapshotKind Kind { get; set; }

    /// <summary>The job's parallelism when it was taken (0: not recorded).</summary>
    [Id(7)]
    public int Parallelism { get; set; }

    /// <summary>Which operators each vertex ran (null: not recorded).</summary>
    [Id(8)]
    public SnapshotLayout? Layout { get; set; }
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
