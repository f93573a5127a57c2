using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Bench;

/// <summary>What <c>client bench</c> measured: the environment, the settings, and one result per (query, mode).</summary>
internal sealed record BenchReport(BenchEnvironment Environment, BenchSettings Settings, IReadOnlyList<BenchResult> Results)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Nexmark, ingest and large state on OrleansCheckpoint");
        table.AddColumn(new TableColumn("query").NoWrap());
        table.AddColumn(new TableColumn("checkpoints").NoWrap());
        foreach (var column in new[]
        {
            "events", "wall s", "cpu s", "events/s", "events/cpu-s", "× Flink/core", "baseline ev/s", "of baseline (cpu)", "ckpt on/off",
            "ckpts", "ckpt p50 ms", "ckpt p99 ms", "align p99 ms", "ckpt bytes", "written p50", "state bytes", "peak RSS MB",
        })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var r in Results.Where(r => r.Query != BenchSettings.Recovery))
        {
            table.AddRow(
                r.Query,
                r.Checkpointing,
                Count(r.Events),
                Fixed(r.WallS, 2),
                Fixed(r.CpuS, 2),
                Count(r.EventsPerS),
                Count(r.EventsPerCpuS),
                r.RatioToFlink is { } ratio ? Fixed(ratio, 1) + "×" : "-",
                r.BaselineEventsPerS is { } baseline ? Count(baseline) : "-",
                r.FractionOfBaseline is { } fraction ? Fixed(fraction, 2) + (r.FractionOfBaselineCpu is { } cpuFraction ? $" ({Fixed(cpuFraction, 2)})" : string.Empty) : "-",
                r.CheckpointOverhead is { } overhead ? Fixed(overhead, 2) : "-",
                r.Checkpointing == "off" ? "-" : $"{r.CheckpointsCompleted}" + (r.CheckpointsAborted > 0 ? $" ({r.CheckpointsAborted} aborted)" : string.Empty),
                Optional(r.CheckpointP50Ms, 1),
                Optional(r.CheckpointP99Ms, 1),
                Optional(r.AlignmentP99Ms, 1),
                r.CheckpointBytes is { } bytes ? Count(bytes) : "-",
                r.CheckpointedBytesP50 is { } written ? Count(written) : "-",
                r.StateBytes is { } state ? Count(state) : "-",
                Fixed(r.PeakRssMb, 0));
            if (r.Status != "finished")
            {
                table.AddRow(new Markup($"[red]{Markup.Escape(r.Query)} {Markup.Escape(r.Checkpointing)}: {Markup.Escape(r.Status)}[/]"));
            }
        }

        var notes = new Rows(
            new Text($"{Environment.Cores} cores, {Environment.Runtime}, {Environment.Gc} GC; parallelism {Settings.Parallelism}, batches of {Settings.BatchSize}; " +
                     $"event-time rate {Count(Settings.EventsPerSecond)}/s; exactly-once {(Settings.Incremental ? "incremental" : "full")} " +
                     $"checkpoints every {Settings.CheckpointIntervalMs} ms to Azurite."),
            new Text("cpu s: this process (silo, generator sources, client) from start to finish of the job; Azurite's CPU is in the JSON (azurite_cpu_s). " +
                     "× Flink/core: events/cpu-s over Flink 1.13's published events/s per core. of baseline: events/cpu-s over a single-threaded C# loop of the query's events/s " +
                     "(in brackets: over the loop's events per CPU-second of the process, which counts its garbage collection on the other core too)."),
            new Text(string.Join(System.Environment.NewLine, Results.Where(r => r.Query == BenchSettings.Recovery).Select(r => r.Status == "finished"
                ? $"Recovery ({r.RecoveredQuery}, an instance deactivated after the third checkpoint): running again {Fixed(r.RecoveryToRunningMs ?? 0, 0)} ms, " +
                  $"processing resumed {Fixed(r.RecoveryMs ?? 0, 0)} ms after the failure (restart delay {Fixed(r.RestartDelayMs ?? 0, 0)} ms included; checkpoint of {Count(r.RestoredCheckpointBytes ?? 0)} bytes restored)."
                : $"Recovery ({r.RecoveredQuery}): {r.Status}"))),
            new Text(LargeStateNote()),
            new Text(Results.FirstOrDefault(r => r.GeneratorEventsPerS is not null)?.GeneratorEventsPerS is { } generator
                ? $"The Nexmark generator alone, one core: {Count(generator)} events/s (every query and baseline pays it)."
                : string.Empty));
        return new Rows(table, notes);
    }

    /// <summary>What the large-state runs changed and wrote, and how long its restore took; empty without them.</summary>
    private string LargeStateNote()
    {
        var runs = Results.Where(r => r.Query == BenchSettings.LargeState).ToList();
        if (runs.Count == 0)
        {
            return string.Empty;
        }

        var first = runs[0];
        var changed = string.Join(", ", runs.Select(r => $"{Count(r.ChangedKeysPerS ?? 0)}/s {r.Checkpointing}"));
        var note = $"large-state: {Count(first.StateKeys ?? 0)} keys populated, " +
                   $"then {Fixed(100 * (first.ChangeFraction ?? 0), 2)} % of them asked to change per second " +
                   $"(keys changed: {changed}); checkpoint figures count the checkpoints triggered after the population.";
        if (runs.FirstOrDefault(r => r.Checkpointing != "off") is { } on)
        {
            if (on.CheckpointedBytesP50 is { } written && on.StateBytes is { } state and > 0)
            {
                note += $" Written per checkpoint (p50) {Count(written)} bytes of {Count(state)} " +
                        $"({Fixed(100.0 * written / state, 1)} % of the full state).";
            }

            note += on.RecoveryToRunningMs is { } restore
                ? $" Restore of the latest checkpoint ({Count(on.RestoredCheckpointBytes ?? 0)} bytes): " +
                  $"running again {Fixed(restore, 0)} ms after an instance was deactivated " +
                  $"(restart delay {Fixed(on.RestartDelayMs ?? 0, 0)} ms included)."
                : " Restore: not measured.";
        }

        return note;
    }

    private static string Optional(double? value, int decimals) => value is { } v ? Fixed(v, decimals) : "-";

    private static string Fixed(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Count(double value) => value switch
    {
        >= 1e9 => (value / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + "G",
        >= 1e6 => (value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (value / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + "K",
        _ => value.ToString("0", CultureInfo.InvariantCulture),
    };
}

/// <summary>Where the benchmark ran.</summary>
internal sealed record BenchEnvironment(int Cores, string Runtime, string Os, string Gc, string CpuMeasure)
{
    public static BenchEnvironment Current() => new(
        System.Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
        "Process.TotalProcessorTime of the client process, which hosts the silo, the jobs' generator sources and the Orleans client; Azurite apart");
}
