using System.CommandLine;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client metrics &lt;job&gt;</c></summary>
internal static class MetricsCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var command = new Command("metrics", "Show a job's counters, summed over its instances") { job };
        command.SetConnectedAction(async (context, _) =>
        {
            var metrics = await context.Client.GetGrain<IJobManagerGrain>(context.Parse.GetRequiredValue(job)).GetMetricsAsync();
            context.Output.Data(metrics, JobViews.Metrics);
            return ExitCodes.Ok;
        });
        return command;
    }
}
