using System.CommandLine;
using OrleansCheckpoint.Client.Jobs;
using OrleansCheckpoint.Client.Output;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Client.Commands;

/// <summary><c>client stop &lt;job&gt; [--drain [--timeout S]]</c></summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var drain = new Option<bool>("--drain")
        {
            Description = "End the input first: emit every window, and wait until the job is Finished",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "With --drain: how long to wait for the job to finish, in seconds",
            HelpName = "S",
            DefaultValueFactory = _ => 60,
        }.MustBePositive();

        var command = new Command("stop", "Stop a job, at once or (--drain) after processing everything pushed so far") { job, drain, timeout };
        command.SetConnectedAction(async (context, cancellation) =>
        {
            var jobManager = context.Client.GetGrain<IJobManagerGrain>(context.Parse.GetRequiredValue(job));
            var info = context.Parse.GetValue(drain)
                ? await JobDrain.StopAndWaitAsync(jobManager, TimeSpan.FromSeconds(context.Parse.GetValue(timeout)), cancellation)
                : await jobManager.StopAsync(drain: false);
            context.Output.Data(info, JobViews.Job);
            return info.Status == JobStatus.Failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }
}
