using System.Globalization;
using OrleansCheckpoint.Messages;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Client.Output;

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

        if (job.Checkpointing is { } checkpoints)
        {
            var last = job.LastCompletedCheckpoint is { } id ? $"last completed {id}" : "none completed yet";
            rows.Add(new Text(checkpoints.Enabled
                ? string.Create(CultureInfo.InvariantCulture, $"checkpoints: every {checkpoints.Interval.TotalSeconds:0.###} s ({checkpoints.Mode}), {last}")
                : "checkpoints: off"));
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
        var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "status", "parallelism", "generation", "started", "failure reason");
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        foreach (var job in jobs.OrderBy(j => j.Name, StringComparer.Ordinal))
        {
            table.AddRow(
                new Text(job.Name),
                new Markup(Status(job.Status)),
                new Text(Number(job.Parallelism)),
                new Text(Number(job.Generation)),
                new Text(job.StartedAt is { } started ? Time(started) : "-"),
                new Text(job.FailureReason ?? string.Empty));
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
        table.AddRow("results emitted", Number(metrics.ResultsEmitted));
        return table;
    }

    public static string Status(JobStatus status) => status switch
    {
        JobStatus.Running => "[green]Running[/]",
        JobStatus.Draining => "[yellow]Draining[/]",
        JobStatus.Finished => "[blue]Finished[/]",
        JobStatus.Failed => "[red]Failed[/]",
        _ => status.ToString(),
    };

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
