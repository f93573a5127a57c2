using System.CommandLine;
using OrleansCheckpoint.Cli.Jobs;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Cli.Savepoints;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client stop &lt;job&gt; [--drain | --savepoint] [--timeout S]</c></summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var drain = new Option<bool>("--drain")
        {
            Description = "End the input first: emit every window, and wait until the job is Finished",
        };
        var savepoint = new Option<bool>("--savepoint")
        {
            Description = "Take a final savepoint, commit the sinks up to it, then stop; prints the savepoint's id (start again with --from <id>)",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "With --drain or --savepoint: how long to wait, in seconds",
            HelpName = "S",
            DefaultValueFactory = _ => 60,
        }.MustBePositive();

        var command = new Command("stop", "Stop a job, at once, (--drain) after processing everything pushed so far, or (--savepoint) with a final savepoint") { job, drain, savepoint, timeout };
        command.Validators.Add(result =>
        {
            if (result.GetValue(drain) && result.GetValue(savepoint))
            {
                result.AddError("--drain and --savepoint cannot be combined: a drain ends the input for good, a savepoint keeps the job's state to start from.");
            }
        });
        command.SetConnectedAction(async (context, cancellation) =>
        {
            var name = context.Parse.GetRequiredValue(job);
            var jobManager = context.Client.GetGrain<IJobManagerGrain>(name);
            if (context.Parse.GetValue(savepoint))
            {
                var taken = SavepointView.Of(await SavepointWait.TakeAsync(
                    context.Client.GetGrain<ISavepointGrain>(name), name, stop: true, TimeSpan.FromSeconds(context.Parse.GetValue(timeout)), cancellation));
                var stopped = await jobManager.GetInfoAsync();
                if (context.Output.Json)
                {
                    ConsoleOutput.JsonLine(ClientJson.Serialize(new { savepoint = taken, job = stopped }));
                }
                else
                {
                    context.Output.Data(stopped, JobViews.Job);
                    Console.Out.WriteLine(taken.Id);
                    ConsoleOutput.Note($"stopped with {taken.Describe()}; start again from it with `client start {name} --from {taken.Id}`");
                }

                return ExitCodes.Ok;
            }

            var info = context.Parse.GetValue(drain)
                ? await JobDrain.StopAndWaitAsync(jobManager, TimeSpan.FromSeconds(context.Parse.GetValue(timeout)), cancellation)
                : await jobManager.StopAsync(drain: false);
            context.Output.Data(info, JobViews.Job);
            return info.Status == JobStatus.Failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }
}
