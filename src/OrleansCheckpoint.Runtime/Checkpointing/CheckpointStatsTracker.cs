using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Metrics;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// Statistics of a job's recent checkpoints and their counts (fed by the coordinator's callbacks), and the
/// checkpoint instruments of the silo's <see cref="StreamMetrics"/>. <see cref="Counts"/> and
/// <see cref="LastCompleted"/> may be read from any thread (the metrics' gauges do).
/// </summary>
internal sealed class CheckpointStatsTracker
{
    private const int History = 100;

    private readonly string _job;
    private readonly SortedDictionary<long, CheckpointStats> _stats = [];
    private readonly TimeProvider _time;
    private readonly StreamMetrics? _metrics;
    private CheckpointCounts _counts = new(0, 0, 0, 0, 0);
    private CheckpointStats? _lastCompleted;

    public CheckpointStatsTracker(string job, TimeProvider time, IEnumerable<CompletedCheckpoint> completed, StreamMetrics? metrics = null)
    {
        _job = job;
        _time = time;
        _metrics = metrics;
        foreach (var c in completed)
        {
            var stats = new CheckpointStats(
                c.Id, CheckpointStatus.Completed, c.TriggeredAt, (c.CompletedAt - c.TriggeredAt).TotalMilliseconds, c.SizeBytes, c.Handles.Count, c.Handles.Count, null, c.Handles, c.Kind);
            Record(stats);
            if (!c.IsSavepoint)
            {
                _lastCompleted = stats;
            }
        }
    }

    /// <summary>Checkpoints triggered, in progress, completed, failed and restored while this tracker lived.</summary>
    public CheckpointCounts Counts => Volatile.Read(ref _counts);

    /// <summary>The newest completed checkpoint.</summary>
    public CheckpointStats? LastCompleted => Volatile.Read(ref _lastCompleted);

    public IReadOnlyList<CheckpointStats> Recent()
    {
        var now = _time.GetUtcNow();
        return _stats.Values.Reverse()
            .Select(s => s.Status == CheckpointStatus.InProgress ? s with { DurationMs = (now - s.TriggeredAt).TotalMilliseconds } : s)
            .ToList();
    }

    public void OnTriggered(PendingCheckpoint pending)
    {
        Record(Stats(pending, CheckpointStatus.InProgress, null));
        Count(c => c with { Triggered = c.Triggered + 1 });
    }

    public void OnAcknowledged(PendingCheckpoint pending, SnapshotHandle handle)
    {
        Record(Stats(pending, CheckpointStatus.InProgress, null));
        _metrics?.CheckpointAlignment.Record(handle.AlignmentMs, Tag);
    }

    public void OnCompleted(PendingCheckpoint pending)
    {
        var stats = Stats(pending, CheckpointStatus.Completed, null);
        Record(stats);
        if (pending.Kind == SnapshotKind.Checkpoint)
        {
            Volatile.Write(ref _lastCompleted, stats); // the metrics' "last checkpoint" gauges: savepoints are not checkpoints
        }

        Count(c => c with { Completed = c.Completed + 1 });
        _metrics?.CheckpointsCompleted.Add(1, Tag);
        _metrics?.CheckpointDuration.Record(stats.DurationMs, Tag);
        _metrics?.CheckpointSize.Record(stats.SizeBytes, Tag);
    }

    public void OnAborted(PendingCheckpoint pending, string reason)
    {
        Record(Stats(pending, CheckpointStatus.Aborted, reason));
        Count(c => c with { Failed = c.Failed + 1 });
        _metrics?.CheckpointsAborted.Add(1, Tag);
    }

    /// <summary>The job was deployed from checkpoint <paramref name="checkpointId"/>.</summary>
    public void OnRestored(long checkpointId) =>
        Count(c => c with { Restored = c.Restored + 1, LastRestoredId = checkpointId, LastRestoredAt = _time.GetUtcNow() });

    private KeyValuePair<string, object?> Tag => new("job", _job);

    private CheckpointStats Stats(PendingCheckpoint p, CheckpointStatus status, string? reason) => new(
        p.Id, status, p.TriggeredAt, (_time.GetUtcNow() - p.TriggeredAt).TotalMilliseconds, p.Handles.Sum(h => h.SizeBytes),
        p.Handles.Count, p.Total, reason, [.. p.Handles.OrderBy(h => h.Task.Operator).ThenBy(h => h.Task.Partition)], p.Kind);

    // Called on the job manager's scheduler only; the new counts replace the old as a whole, for readers elsewhere.
    private void Count(Func<CheckpointCounts, CheckpointCounts> change)
    {
        var inProgress = _stats.Values.Count(s => s.Status == CheckpointStatus.InProgress);
        Volatile.Write(ref _counts, change(_counts) with { InProgress = inProgress });
    }

    private void Record(CheckpointStats stats)
    {
        _stats[stats.Id] = stats;
        while (_stats.Count > History)
        {
            _stats.Remove(_stats.Keys.First());
        }
    }
}
