using System.Globalization;
using OrleansCheckpoint.Cli.Checkpoints;
using OrleansCheckpoint.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Demo;

/// <summary>One endpoint in the demo's summary: what it should count, what the job's state says, what its windows add up to.</summary>
/// <remarks>A key the job never saw has no value in its state: that matches an expected count of 0.</remarks>
internal sealed record EndpointTotals(string Endpoint, long Expected, long? Queried, long WindowSum)
{
    public bool Matches => (Queried ?? 0) == Expected;
}

/// <summary>One check of the demo.</summary>
internal sealed record DemoCheck(string Name, bool Passed, string Detail);

/// <summary>The demo's outcome and the checks that decide it (<c>--json</c> writes this object).</summary>
internal sealed record DemoReport(
    IReadOnlyList<EndpointTotals> Endpoints,
    long EventsPushed,
    long WindowsEmitted,
    long WindowCountSum,
    long LateEventsDropped,
    double Seconds,
    double EventsPerSecond,
    double TotalSeconds,
    CheckpointFigures Checkpoints)
{
    /// <summary>What the demo checks, each passed or not, with the numbers that decide it.</summary>
    public IReadOnlyList<DemoCheck> Checks
    {
        get
        {
            var wrong = Endpoints.Where(e => !e.Matches).ToList();
            var totals = new DemoCheck(
                $"running total = expected count, for {(wrong.Count == 0 ? "all" : $"{Endpoints.Count - wrong.Count} of")} {Endpoints.Count} endpoints",
                wrong.Count == 0,
                string.Join("; ", wrong.Select(e => $"{e.Endpoint}: {(e.Queried is { } q ? JobViews.Number(q) : "no value")}, expected {JobViews.Number(e.Expected)}")));
            var balance = new DemoCheck(
                "window counts + late events dropped = events pushed",
                WindowCountSum + LateEventsDropped == EventsPushed,
                $"{JobViews.Number(WindowCountSum)} + {JobViews.Number(LateEventsDropped)} = {JobViews.Number(WindowCountSum + LateEventsDropped)}, " +
                $"{(WindowCountSum + LateEventsDropped == EventsPushed ? "and" : "but")} {JobViews.Number(EventsPushed)} were pushed");
            return [totals, balance];
        }
    }

    public bool Passed => Checks.All(c => c.Passed);

    public IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("endpoint", "expected total", "queried total", "sum of windows", string.Empty);
        for (var i = 1; i <= 3; i++)
        {
            table.Columns[i].RightAligned();
        }

        foreach (var e in Endpoints)
        {
            table.AddRow(
                new Text(e.Endpoint),
                new Text(JobViews.Number(e.Expected)),
                new Text(e.Queried is { } queried ? JobViews.Number(queried) : "(no value)"),
                new Text(JobViews.Number(e.WindowSum)),
                new Markup(e.Matches ? "[green]ok[/]" : "[red]MISMATCH[/]"));
        }

        table.AddRow(
            new Markup("[bold]all[/]"),
            new Text(JobViews.Number(Endpoints.Sum(e => e.Expected))),
            new Text(JobViews.Number(Endpoints.Sum(e => e.Queried ?? 0))),
            new Text(JobViews.Number(WindowCountSum)),
            new Text(string.Empty));

        var facts = new Grid().AddColumn().AddColumn(new GridColumn().RightAligned());
        facts.AddRow("events pushed", JobViews.Number(EventsPushed));
        facts.AddRow("windows emitted", JobViews.Number(WindowsEmitted));
        facts.AddRow("late events dropped", JobViews.Number(LateEventsDropped));
        facts.AddRow("push time", string.Create(CultureInfo.InvariantCulture, $"{Seconds:0.00} s"));
        facts.AddRow("events/s", JobViews.Number((long)EventsPerSecond));
        facts.AddRow("whole demo", string.Create(CultureInfo.InvariantCulture, $"{TotalSeconds:0.0} s"));
        facts.AddRow("checkpoints completed / aborted", $"{JobViews.Number(Checkpoints.Completed)} / {JobViews.Number(Checkpoints.Aborted)}");
        facts.AddRow("checkpoint duration p50 / p99 / max", $"{Ms(Checkpoints.DurationP50Ms)} / {Ms(Checkpoints.DurationP99Ms)} / {Ms(Checkpoints.DurationMaxMs)}");
        facts.AddRow("latest checkpoint size", Checkpoints.LatestSizeBytes is { } size ? $"{JobViews.Number(size)} bytes ({JobViews.Bytes(size)})" : "-");
        facts.AddRow("alignment p99 (instances)", Ms(Checkpoints.AlignmentP99Ms));

        var verdict = new List<IRenderable> { new Text(string.Empty), new Markup(Passed ? "[green bold]PASS[/]" : "[red bold]FAIL[/]") };
        verdict.AddRange(Checks.Select(c => new Markup(
            $"  {(c.Passed ? "[green]✓[/]" : "[red]✗[/]")} {Markup.Escape(c.Name)}{(c.Detail.Length > 0 ? $": {Markup.Escape(c.Detail)}" : string.Empty)}")));
        verdict.Add(new Text(string.Empty));
        return new Rows([table, facts, .. verdict]);
    }

    private static string Ms(double? milliseconds) => milliseconds is { } ms ? string.Create(CultureInfo.InvariantCulture, $"{ms:0.0} ms") : "-";
}
