using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>What <c>client chaos</c> found: one result per seed.</summary>
internal sealed record ChaosReport(ChaosSettings Settings, IReadOnlyList<SeedResult> Seeds)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public int Passed => Seeds.Count(s => s.Passed);

    public int Failed => Seeds.Count(s => !s.Passed);

    [JsonIgnore]
    public bool AllPassed => Failed == 0;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"client chaos: {Settings.Silos} silos, {Settings.Events:N0} clicks a seed");
        foreach (var column in new[] { "seed", "result", "faults (at event: what → recovery)", "restarts", "late", "windows", "s" })
        {
            table.AddColumn(new TableColumn(column));
        }

        foreach (var seed in Seeds)
        {
            var faults = string.Join(
                Environment.NewLine,
                seed.Faults.Select(f => $"{f.AtEvent:N0}: {f.Kind} {f.Target} → {(f.RecoveryMs is { } ms ? $"running again {ms:N0} ms" : "no restart")}"));
            table.AddRow(
                new Text(seed.Seed.ToString(CultureInfo.InvariantCulture)),
                seed.Passed ? new Markup("[green]pass[/]") : new Markup($"[red]FAIL[/]: {Markup.Escape(seed.FirstDifference ?? string.Empty)}"),
                new Text(faults),
                new Text(seed.Restarts.ToString(CultureInfo.InvariantCulture)),
                new Text(seed.LateClicks.ToString("N0", CultureInfo.InvariantCulture)),
                new Text(seed.Windows.ToString("N0", CultureInfo.InvariantCulture)),
                new Text(seed.DurationS.ToString("0.0", CultureInfo.InvariantCulture)));
        }

        var recoveries = Seeds.SelectMany(s => s.Faults).Select(f => f.RecoveryMs).OfType<double>().Order().ToList();
        var summary = recoveries.Count == 0
            ? "no fault caused a restart"
            : $"recovery (fault → running again) p50 {Percentile(recoveries, 0.5):N0} ms, max {recoveries[^1]:N0} ms over {recoveries.Count} restarts";
        return new Rows(table, new Markup($"{(AllPassed ? "[green]" : "[red]")}{Passed} passed, {Failed} failed[/] · {Markup.Escape(summary)}"));
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}
