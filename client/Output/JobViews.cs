using System.Globalization;
using OrleansCheckpoint.Messages;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Output;

/// <summary>How jobs, their lists and their counters look for people.</summary>
internal static class JobViews
{
    public static IRenderable Job(JobInfo job)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(job.Name)}[/]: {Status(job.Status)}  generation {job.Generation}, parallelism {job.Parallelism}" +
                       (job.StartedAt is { } started ? $", started {Time(started)}" : string.Empty)),
        };
        if (job.FailureReason is { } reason)
        {
            rows.Add(new Markup($"[red]failure:[/] {Markup.Escape(reason)}"));
        }

        if (job.DrainRequested && job.Status == JobStatus.Restarting)
        {
            rows.Add(new Text("a drain was asked for: the job drains once it has recovered"));
        }

        if (job.Checkpointing is { } checkpoints)
        {
            rows.Add(new Text($"checkpoints: {Describe(checkpoints)}"));
        }

        if (job.RestartStrategy is { } restart)
        {
            rows.Add(new Text($"restart strategy: {restart}"));
        }

        if (Recovery(job) is { Length: > 0 } recovery)
        {
            rows.Add(new Text(recovery));
        }

        if (job.LastFailure is { } lastFailure && lastFailure != job.FailureReason)
        {
            rows.Add(new Markup($"[yellow]last failure:[/] {Markup.Escape(lastFailure)}"));
        }

        foreach (var skipped in job.SkippedCheckpoints ?? [])
        {
            rows.Add(new Markup($"[yellow]skipped checkpoint {Number(skipped.CheckpointId)}[/] at {Time(skipped.At)}, {Restored(skipped)}: {Markup.Escape(skipped.Reason)}"));
        }

        if (job.Operators.Count > 0)
        {
            var operators = new Table().Border(TableBorder.Rounded).AddColumns("operator", "chain", "parallelism");
            operators.Columns[2].RightAligned();
            foreach (var op in job.Operators)
            {
                operators.AddRow(new Text(op.Uid), new Text(string.Join(" → ", op.Chain)), new Text(Number(op.Parallelism)));
            }

            rows.Add(operators);
        }

        return new Rows(rows);
    }

    public static IRenderable JobList(IReadOnlyList<JobInfo> jobs)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns(
            "name", "status", "parallelism", "generation", "started", "restarts", "last checkpoint", "restored", "skipped checkpoints", "failure reason", "last failure");
        foreach (var column in new[] { 2, 3, 5, 6, 7 })
        {
            table.Columns[column].RightAligned();
        }

        foreach (var job in jobs.OrderBy(j => j.Name, StringComparer.Ordinal))
        {
            table.AddRow(
                new Text(job.Name),
                new Markup(Status(job.Status)),
                new Text(Number(job.Parallelism)),
                new Text(Number(job.Generation)),
                new Text(job.StartedAt is { } started ? Time(started) : "-"),
                new Text(Number(job.Restarts)),
                new Text(job.LastCompletedCheckpoint is { } last ? Number(last) : "-"),
                new Text(job.RestoredCheckpoint is { } restored ? Number(restored) : "-"),
                new Text(SkippedSummary(job.SkippedCheckpoints)),
                new Text(job.FailureReason ?? string.Empty),
                new Text(job.LastFailure ?? string.Empty));
        }

        return table;
    }

    public static IRenderable Metrics(JobMetrics metrics)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("counter", "value");
        table.Columns[1].RightAligned();
        table.AddRow("events accepted by the sources", Number(metrics.EventsAccepted));
        table.AddRow("records received by operators", Number(metrics.RecordsIn));
        table.AddRow("late records dropped", Number(metrics.LateRecordsDropped));
        table.AddRow("late records to side outputs", Number(metrics.LateRecordsSideOutput));
        table.AddRow("results emitted", Number(metrics.ResultsEmitted));
        table.AddRow("records sent to dead letters", Number(metrics.DeadLetters));
        return table;
    }

    public static string Status(JobStatus status) => status switch
    {
        JobStatus.Running => "[green]Running[/]",
        JobStatus.Restarting => "[yellow]Restarting[/]",
        JobStatus.Draining => "[yellow]Draining[/]",
        JobStatus.Finished => "[blue]Finished[/]",
        JobStatus.Failed => "[red]Failed[/]",
        _ => status.ToString(),
    };

    /// <summary>The checkpoint settings a job runs with, on one line.</summary>
    public static string Describe(CheckpointSettings settings) => settings.Enabled
        ? $"every {Durations.Format(settings.Interval)}, {ClientJson.Name(settings.Mode)}, timeout {Durations.Format(settings.Timeout)}, " +
          $"min pause {Durations.Format(settings.MinPause)}, at most {Number(settings.MaxConcurrent)} at once, " +
          $"{Number(settings.TolerableFailures)} failures tolerated, {Number(settings.Retained)} retained, " +
          (settings.Incremental ? $"incremental, consolidated after {Number(settings.ConsolidateAfter)} pieces" : "full snapshots")
        : "off";

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Bytes for people: <c>512 B</c>, <c>12.3 KiB</c>, <c>4.5 MiB</c>.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
    };

    private static string Recovery(JobInfo job)
    {
        var parts = new List<string>();
        if (job.LastCompletedCheckpoint is { } last)
        {
            parts.Add($"last completed checkpoint {Number(last)}");
        }

        if (job.Restarts > 0)
        {
            parts.Add($"{Number(job.Restarts)} restart{(job.Restarts == 1 ? string.Empty : "s")}" +
                      (job.RestoredCheckpoint is { } restored ? $", restored checkpoint {Number(restored)}" : ", restored no checkpoint"));
        }

        return string.Join("; ", parts);
    }

    /// <summary>The newest fallbacks of a restore on one line: <c>7 → 6</c> (checkpoint 7 skipped, 6 restored instead).</summary>
    private static string SkippedSummary(IReadOnlyList<SkippedCheckpoint>? skipped) => skipped is { Count: > 0 }
        ? string.Join(", ", skipped.Take(3).Select(s => $"{Number(s.CheckpointId)} → {(s.RestoredFrom is { } from ? Number(from) : "none")}")) +
          (skipped.Count > 3 ? $" (+{skipped.Count - 3})" : string.Empty)
        : "-";

    private static string Restored(SkippedCheckpoint skipped) =>
        skipped.RestoredFrom is { } from ? $"restored {Number(from)} instead" : "nothing restored instead";

    private static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
