using System.CommandLine;
using OrleansCheckpoint.Client.Output;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Client.Commands;

/// <summary><c>client start &lt;job&gt; [--parallelism N]</c></summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var parallelism = new Option<int?>("--parallelism")
        {
            Description = "Instances per operator (default: the silo's OrleansCheckpoint:DefaultParallelism)",
            HelpName = "N",
        }.MustBePositive();

        var command = new Command("start", "Start a job (a running job is left as it is) and show it") { job, parallelism };
        command.SetConnectedAction(async (context, _) =>
        {
            var jobManager = context.Client.GetGrain<IJobManagerGrain>(context.Parse.GetRequiredValue(job));
            var info = await jobManager.StartAsync(new JobStartOptions(context.Parse.GetValue(parallelism)));
            context.Output.Data(info, JobViews.Job);
            return ExitCodes.Ok;
        });
        return command;
    }
}
