using System.Globalization;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Messages;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Checkpoints;

/// <summary>
/// One checkpoint as <c>client checkpoints --json</c> writes it (status: <c>completed</c>, <c>aborted</c> or
/// <c>in-progress</c>). <c>sizeBytes</c> is what it wrote (Flink's "checkpointed size"), <c>fullSizeBytes</c> the whole
/// state it describes, pieces shared with earlier checkpoints included (Flink's "full size"): equal for a full snapshot.
/// </summary>
internal sealed record CheckpointView(
    long Id,
    CheckpointStatus Status,
    DateTimeOffset TriggeredAt,
    double DurationMs,
    long SizeBytes,
    long FullSizeBytes,
    int Acknowledged,
    int Total,
    string? FailureReason,
    IReadOnlyList<InstanceSnapshotView> Instances,
    SnapshotKind Kind = SnapshotKind.Checkpoint)
{
    public static CheckpointView Of(CheckpointStats stats) => new(
        stats.Id,
        stats.Status,
        stats.TriggeredAt,
        Math.Round(stats.DurationMs, 3),
        stats.SizeBytes,
        stats.FullSizeBytes,
        stats.Acknowledged,
        stats.Total,
        stats.FailureReason,
        [.. stats.Instances.Select(InstanceSnapshotView.Of)],
        stats.Kind);

    /// <summary>Checkpoints as a table for people, in the order given (newest first).</summary>
    public static IRenderable Table(IReadOnlyList<CheckpointView> checkpoints)
    {
        if (checkpoints.Count == 0)
        {
            return new Text($"no checkpoints yet{Environment.NewLine}");
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("id", "status", "triggered", "duration ms", "checkpointed", "full size", "acked/total", "failure reason");
        foreach (var column in new[] { 0, 3, 4, 5, 6 })
        {
            table.Columns[column].RightAligned();
        }

        foreach (var c in checkpoints)
        {
            table.AddRow(
                new Text(c.Kind == SnapshotKind.Savepoint ? $"{JobViews.Number(c.Id)} (savepoint)" : JobViews.Number(c.Id)),
                new Markup(StatusMarkup(c.Status)),
                new Text(c.TriggeredAt.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)),
                new Text(c.DurationMs.ToString("N0", CultureInfo.InvariantCulture)),
                new Text(JobViews.Bytes(c.SizeBytes)),
                new Text(JobViews.Bytes(c.FullSizeBytes)),
                new Text($"{c.Acknowledged}/{c.Total}"),
                new Text(c.FailureReason ?? string.Empty));
        }

        return table;
    }

    private static string StatusMarkup(CheckpointStatus status) => status switch
    {
        CheckpointStatus.Completed => "[green]completed[/]",
        CheckpointStatus.Aborted => "[red]aborted[/]",
        _ => $"[yellow]{ClientJson.Name(status)}[/]",
    };
}

/// <summary>One instance's snapshot in a checkpoint: its key (<c>job/operator/partition</c>), the bytes it wrote, its full size, times.</summary>
internal sealed record InstanceSnapshotView(string Task, long SizeBytes, long FullSizeBytes, double SyncMs, double AsyncMs, double AlignmentMs)
{
    public static InstanceSnapshotView Of(SnapshotHandle handle) => new(
        handle.Task.GrainKey,
        handle.SizeBytes,
        handle.FullSize(),
        Math.Round(handle.SyncMs, 3),
        Math.Round(handle.AsyncMs, 3),
        Math.Round(handle.AlignmentMs, 3));
}
