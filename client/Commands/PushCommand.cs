using System.CommandLine;
using System.Globalization;
using OrleansCheckpoint.Cli.Push;
using Spectre.Console;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client push &lt;job&gt; (--generate N [--rate R] [--seed S] [--late-fraction F] | --file F | --stdin) [--batch-size B] [--retry-for D]</c></summary>
internal static class PushCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var generate = new Option<long?>("--generate")
        {
            Description = "Push N generated requests (the request-counter job's JSON lines)",
            HelpName = "N",
        }.MustBePositive();
        var rate = new Option<double?>("--rate")
        {
            Description = "Push about R events per second; with --generate also the requests' event-time rate (default 1000)",
            HelpName = "R",
        }.MustBePositive();
        var seed = new Option<int?>("--seed") { Description = "With --generate: the generator's seed (default 1)", HelpName = "S" };
        var lateFraction = new Option<double?>("--late-fraction")
        {
            Description = "With --generate: the fraction of requests that arrive 30 s late (default 0)",
            HelpName = "F",
        }.MustBe(f => f is null or (>= 0 and <= 1), "between 0 and 1");
        var file = new Option<FileInfo>("--file") { Description = "Push the JSON lines of a file", HelpName = "path" }.AcceptExistingOnly();
        var stdin = new Option<bool>("--stdin") { Description = "Push the JSON lines read from standard input" };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Consecutive lines per pushed batch, at most the job's limit (OrleansCheckpoint:Ingest:MaxBatchEvents)",
            HelpName = "B",
            DefaultValueFactory = _ => PushSettings.DefaultBatchSize,
        }.MustBePositive();
        var retryFor = CommandSymbols.Duration(
            "--retry-for",
            $"Retry a failed push for up to this long from its first failure, 0 for never (default {Durations.Format(PushSettings.DefaultRetryFor)}); a retry is never counted twice");

        var producer = new Option<string>("--producer-id")
        {
            Description = "Push as this producer (source partition p as ID-p, batches numbered from 1); pushing the same input again under the same id logs only what was not logged before. Default: a new id per run",
            HelpName = "ID",
        };
        var command = new Command("push", "Push JSON-line events to a running job, spread over its source partitions")
        {
            job, generate, rate, seed, lateFraction, file, stdin, batchSize, retryFor, producer,
        };
        command.Validators.Add(result =>
        {
            var sources = new[] { result.GetResult(generate), result.GetResult(file), result.GetResult(stdin) }.Count(r => r is not null);
            if (sources != 1)
            {
                result.AddError("push needs exactly one input: --generate N, --file PATH or --stdin.");
            }

            foreach (var option in new Option[] { seed, lateFraction })
            {
                if (result.GetResult(option) is not null && result.GetResult(generate) is null)
                {
                    result.AddError($"{option.Name} only applies to --generate.");
                }
            }
        });

        command.SetConnectedAction(async (context, cancellation) =>
        {
            var parse = context.Parse;
            var eventsPerSecond = parse.GetValue(rate);
            var input = parse.GetValue(generate) is { } count
                ? PushInput.Generate(count, parse.GetValue(seed) ?? 1, eventsPerSecond ?? 1000, parse.GetValue(lateFraction) ?? 0)
                : parse.GetValue(file) is { } path ? PushInput.File(path) : PushInput.StandardInput();
            var settings = new PushSettings(parse.GetValue(batchSize), eventsPerSecond, parse.GetValue(retryFor))
            {
                ProducerId = parse.GetValue(producer) ?? $"push-{Guid.NewGuid():N}"[..17],
            };
            var summary = await JobPush.RunAsync(context.Client, parse.GetRequiredValue(job), input, settings, context.Output, cancellation);
            context.Output.Data(
                new
                {
                    accepted = summary.Accepted,
                    batches = summary.Batches,
                    retries = summary.Retries,
                    duplicates = summary.Duplicates,
                    seconds = Math.Round(summary.Elapsed.TotalSeconds, 3),
                    eventsPerSecond = Math.Round(summary.EventsPerSecond),
                },
                _ => new Text(string.Create(
                    CultureInfo.InvariantCulture,
                    $"accepted {summary.Accepted:N0} events in {summary.Batches:N0} batches in {summary.Elapsed.TotalSeconds:0.00} s ({summary.EventsPerSecond:N0} events/s); " +
                    $"{summary.Retries:N0} retries, {summary.Duplicates:N0} duplicates{Environment.NewLine}")));
            return ExitCodes.Ok;
        });
        return command;
    }
}
