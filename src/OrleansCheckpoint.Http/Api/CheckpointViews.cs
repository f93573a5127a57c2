using OrleansCheckpoint.Http.Api.Views;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api;

/// <summary>Turns the coordinator's checkpoint statistics into the REST API's views.</summary>
internal static class CheckpointViews
{
    public static CheckpointingStatistics Statistics(IReadOnlyList<CheckpointStats> history, CheckpointCounts counts)
    {
        var views = history.Select(View).ToList();
        var completed = views.Where(c => c.Status == CheckpointStatus.Completed).ToList();
        var written = Api.Statistics.Of(completed.Select(c => (double)c.SizeBytes));
        var summary = new CheckpointSummary(
            Api.Statistics.Of(completed.Select(c => c.DurationMs)),
            written,
            Api.Statistics.Of(completed.Select(c => c.AlignmentMs)),
            written,
            Api.Statistics.Of(completed.Select(c => (double)c.FullSizeBytes)));
        var restored = counts.LastRestoredId is { } id ? new RestoredCheckpointView(id, counts.LastRestoredAt) : null;
        var latest = new LatestCheckpoints(completed.FirstOrDefault(), views.FirstOrDefault(c => c.Status == CheckpointStatus.Aborted), restored);
        return new CheckpointingStatistics(
            new CheckpointCountsView(counts.Triggered, counts.InProgress, counts.Completed, counts.Failed, counts.Restored), summary, latest, views);
    }

    public static CheckpointView View(CheckpointStats c) => new(
        c.Id,
        c.Status,
        c.TriggeredAt,
        c.DurationMs,
        c.SizeBytes,
        c.FullSizeBytes,
        c.Instances.Count == 0 ? 0 : c.Instances.Max(i => i.AlignmentMs),
        c.Acknowledged,
        c.Total,
        c.FailureReason);

    public static CheckpointDetailView Detail(CheckpointStats c) => new(
        c.Id,
        c.Status,
        c.TriggeredAt,
        c.DurationMs,
        c.SizeBytes,
        c.FullSizeBytes,
        c.Acknowledged,
        c.Total,
        c.FailureReason,
        [.. c.Instances.Select(h => new InstanceCheckpointView(
            h.Task.Operator, h.Task.Partition, h.SyncMs, h.AsyncMs, h.AlignmentMs, h.StartDelayMs, h.SizeBytes, h.Checksum, h.FullSize()))]);

    public static CheckpointConfigView Config(CheckpointSettings settings, string source) => new(
        source,
        settings.Enabled,
        settings.Mode,
        settings.Interval.TotalMilliseconds,
        settings.Timeout.TotalMilliseconds,
        settings.MinPause.TotalMilliseconds,
        settings.MaxConcurrent,
        settings.TolerableFailures,
        settings.Retained,
        settings.Incremental,
        settings.ConsolidateAfter);
}
