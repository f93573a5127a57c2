using System.CommandLine;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Cli.Results;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client results &lt;job&gt; [--count N] [--timeout S]</c></summary>
internal static class ResultsCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var count = new Option<long?>("--count") { Description = "Stop after N results", HelpName = "N" }.MustBePositive();
        var timeout = new Option<double?>("--timeout") { Description = "Stop after S seconds", HelpName = "S" }.MustBePositive();
        var command = new Command("results", "Print a job's results as they are published, until --count, --timeout or Ctrl+C") { job, count, timeout };
        command.SetConnectedAction(async (context, cancellation) =>
        {
            var name = context.Parse.GetRequiredValue(job);
            var info = await context.Client.GetGrain<IJobManagerGrain>(name).GetInfoAsync(); // an unknown job fails here
            if (!context.Output.Json && !Console.IsErrorRedirected)
            {
                var state = info.Status == JobStatus.Running ? string.Empty : $" (it is {info.Status}: results arrive once it runs)";
                ConsoleOutput.Note($"results of job '{name}'{state}; Ctrl+C to stop");
            }

            await using var results = await ResultsSubscription.SubscribeAsync(context.Client, name);
            using var end = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            if (context.Parse.GetValue(timeout) is { } seconds)
            {
                end.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            var limit = context.Parse.GetValue(count) ?? long.MaxValue;
            long printed = 0;
            try
            {
                await foreach (var record in results.Records.ReadAllAsync(end.Token))
                {
                    if (context.Output.Json)
                    {
                        ConsoleOutput.JsonLine(record);
                    }
                    else
                    {
                        context.Output.Line(WindowCount.Describe(record));
                    }

                    if (++printed == limit)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (end.IsCancellationRequested)
            {
                // --timeout or Ctrl+C: both are a normal end
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
