using System.CommandLine;
using OrleansCheckpoint.Cli.Bench;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>
/// <c>client bench [--queries q0,q1,…] [--events N] [--ingest-events N] [--out PATH] [--parallelism P] [--rate R] [--recovery-query q]
/// [--state-keys N] [--change-fraction F] [--no-incremental-checkpoints]</c>
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var queries = new Option<string>("--queries")
        {
            Description = $"Comma-separated: any of {string.Join(", ", BenchSettings.KnownQueries)} (all but {BenchSettings.LargeState} by default)",
            HelpName = "q0,q1,…",
            DefaultValueFactory = _ => string.Join(',', BenchSettings.DefaultQueries),
        };
        queries.Validators.Add(result =>
        {
            var unknown = Parse(result.GetValueOrDefault<string>() ?? string.Empty).Where(q => !BenchSettings.KnownQueries.Contains(q)).ToList();
            if (unknown.Count > 0)
            {
                result.AddError($"--queries: unknown {string.Join(", ", unknown)}; choose from {string.Join(", ", BenchSettings.KnownQueries)}.");
            }
        });
        var events = new Option<long?>("--events")
        {
            Description = $"Events each query generates, per run (default {BenchSettings.DefaultEvents:N0}; " +
                          $"{BenchSettings.DefaultStatefulEvents:N0} for {string.Join(", ", BenchSettings.StatefulQueries.Order())}, whose state grows " +
                          $"with the events; for {BenchSettings.LargeState}: its updates after the population, default ~10 s of them)",
            HelpName = "N",
        }.MustBePositive();
        var ingestEvents = new Option<long>("--ingest-events")
        {
            Description = "Events (~100 bytes each) the ingest entry pushes, per run",
            HelpName = "N",
            DefaultValueFactory = _ => BenchSettings.DefaultIngestEvents,
        }.MustBePositive();
        var parallelism = new Option<int>("--parallelism") { Description = "Instances per operator", HelpName = "P", DefaultValueFactory = _ => Environment.ProcessorCount }.MustBePositive();
        var rate = new Option<double>("--rate")
        {
            Description = "The generator's event-time rate, events per second (Flink's published runs: 10,000,000)",
            HelpName = "R",
            DefaultValueFactory = _ => new NexmarkConfig().EventsPerSecond,
        }.MustBePositive();
        var recoveryQuery = new Option<string>("--recovery-query")
        {
            Description = "The query the recovery entry injects a failure into",
            HelpName = "q",
            DefaultValueFactory = _ => BenchSettings.DefaultRecoveryQuery,
        };
        recoveryQuery.AcceptOnlyFromAmong([.. NexmarkQueries.Names]);
        var stateKeys = new Option<long>("--state-keys")
        {
            Description = $"{BenchSettings.LargeState}: the keys in its state, all populated before the updates",
            HelpName = "N",
            DefaultValueFactory = _ => BenchSettings.DefaultStateKeys,
        }.MustBePositive();
        var changeFraction = new Option<double>("--change-fraction")
        {
            Description = $"{BenchSettings.LargeState}: the share of the keys that change per second of updates",
            HelpName = "F",
            DefaultValueFactory = _ => BenchSettings.DefaultChangeFraction,
        }.MustBe(f => f is > 0 and <= 1, "above 0 and at most 1");
        var fullCheckpoints = new Option<bool>("--no-incremental-checkpoints")
        {
            Description = "Checkpoints write every instance's whole state (to compare with incremental ones, the default, in one build)",
        };
        var outPath = new Option<FileInfo?>("--out") { Description = "Also write the results as JSON to this file", HelpName = "PATH" };
        var command = new Command(
            "bench",
            "Run Nexmark queries, durable ingest and (when asked for) a large keyed state on Azurite and a silo in this process, " +
            "without and with exactly-once checkpoints, against Flink's published figures and a single-threaded baseline")
        {
            queries, events, ingestEvents, parallelism, rate, recoveryQuery, stateKeys, changeFraction, fullCheckpoints, outPath,
        };
        command.SetLocalAction(async (parse, output, cancellation) =>
        {
            var settings = new BenchSettings(
                Parse(parse.GetValue(queries)!),
                parse.GetValue(events),
                parse.GetValue(ingestEvents),
                parse.GetValue(parallelism),
                parse.GetValue(rate),
                new OrleansCheckpointOptions().BatchSize,
                1_000,
                parse.GetValue(recoveryQuery)!,
                parse.GetValue(stateKeys),
                parse.GetValue(changeFraction),
                !parse.GetValue(fullCheckpoints));
            var report = await new BenchScenario(settings, output).RunAsync(GlobalOptions.ConnectionOf(parse), cancellation);
            output.Data(report, r => r.Render());
            if (parse.GetValue(outPath) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, report.ToJson(), cancellation);
                ConsoleOutput.Note($"Results written to {file.FullName}");
            }

            return report.Results.All(r => r.Status == "finished") ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static List<string> Parse(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(q => q.ToLowerInvariant()).Distinct()];
}
