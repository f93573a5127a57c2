using System.Diagnostics.Metrics;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// Statistics of a job's recent checkpoints (fed by the coordinator's callbacks), and the
/// <see cref="System.Diagnostics.Metrics"/> instruments of the meter <c>OrleansCheckpoint</c>.
/// </summary>
internal sealed class CheckpointStatsTracker
{
    private const int History = 100;
    private static readonly Meter Meter = new("OrleansCheckpoint");
    private static readonly Counter<long> CompletedCounter = Meter.CreateCounter<long>("orleanscheckpoint.checkpoints.completed", description: "Checkpoints completed");
    private static readonly Counter<long> AbortedCounter = Meter.CreateCounter<long>("orleanscheckpoint.checkpoints.aborted", description: "Checkpoints aborted");
    private static readonly Histogram<double> DurationHistogram = Meter.CreateHistogram<double>("orleanscheckpoint.checkpoint.duration", "ms", "Trigger to completion");
    private static readonly Histogram<long> SizeHistogram = Meter.CreateHistogram<long>("orleanscheckpoint.checkpoint.size", "By", "Bytes of a completed checkpoint");
    private static readonly Histogram<double> AlignmentHistogram = Meter.CreateHistogram<double>("orleanscheckpoint.checkpoint.alignment", "ms", "Alignment time of an instance");

    private readonly string _job;
    private readonly SortedDictionary<long, CheckpointStats> _stats = [];
    private readonly TimeProvider _time;

    public CheckpointStatsTracker(string job, TimeProvider time, IEnumerable<CompletedCheckpoint> completed)
    {
        _job = job;
        _time = time;
        foreach (var c in completed)
        {
            Record(new CheckpointStats(c.Id, CheckpointStatus.Completed, c.TriggeredAt, (c.CompletedAt - c.TriggeredAt).TotalMilliseconds, c.SizeBytes, c.Handles.Count, c.Handles.Count, null, c.Handles));
        }
    }

    public IReadOnlyList<CheckpointStats> Recent()
    {
        var now = _time.GetUtcNow();
        return _stats.Values.Reverse()
            .Select(s => s.Status == CheckpointStatus.InProgress ? s with { DurationMs = (now - s.TriggeredAt).TotalMilliseconds } : s)
            .ToList();
    }

    public void OnTriggered(PendingCheckpoint pending) => Record(Stats(pending, CheckpointStatus.InProgress, null));

    public void OnAcknowledged(PendingCheckpoint pending, SnapshotHandle handle)
    {
        Record(Stats(pending, CheckpointStatus.InProgress, null));
        AlignmentHistogram.Record(handle.AlignmentMs, Tag);
    }

    public void OnCompleted(PendingCheckpoint pending)
    {
        var stats = Stats(pending, CheckpointStatus.Completed, null);
        Record(stats);
        CompletedCounter.Add(1, Tag);
        DurationHistogram.Record(stats.DurationMs, Tag);
        SizeHistogram.Record(stats.SizeBytes, Tag);
    }

    public void OnAborted(PendingCheckpoint pending, string reason)
    {
        Record(Stats(pending, CheckpointStatus.Aborted, reason));
        AbortedCounter.Add(1, Tag);
    }

    private KeyValuePair<string, object?> Tag => new("job", _job);

    private CheckpointStats Stats(PendingCheckpoint p, CheckpointStatus status, string? reason) => new(
        p.Id, status, p.TriggeredAt, (_time.GetUtcNow() - p.TriggeredAt).TotalMilliseconds, p.Handles.Sum(h => h.SizeBytes),
        p.Handles.Count, p.Total, reason, [.. p.Handles.OrderBy(h => h.Task.Operator).ThenBy(h => h.Task.Partition)]);

    private void Record(CheckpointStats stats)
    {
        _stats[stats.Id] = stats;
        while (_stats.Count > History)
        {
            _stats.Remove(_stats.Keys.First());
        }
    }
}
