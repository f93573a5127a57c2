using System.CommandLine;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using Spectre.Console;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client checkpoint &lt;job&gt;</c></summary>
internal static class CheckpointCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var command = new Command(
            "checkpoint",
            "Trigger a checkpoint of a job now and print its id (see `client checkpoints` for its progress); exit code 1 if none could start")
        {
            job,
        };
        command.SetConnectedAction(async (context, _) =>
        {
            var name = context.Parse.GetRequiredValue(job);
            var id = await context.Client.GetGrain<ICheckpointCoordinatorGrain>(name).TriggerCheckpointAsync();
            var reason = id is null ? WhyNone(await context.Client.GetGrain<IJobManagerGrain>(name).GetInfoAsync()) : null;
            context.Output.Data(new { id }, _ => new Text($"{(id is { } started ? $"triggered checkpoint {started} of job '{name}'" : $"no checkpoint triggered: {reason}")}{Environment.NewLine}"));
            return id is null ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    private static string WhyNone(JobInfo job) => job switch
    {
        { Status: not JobStatus.Running } => $"job '{job.Name}' is not running (status: {job.Status})",
        { Checkpointing.Enabled: false } => $"checkpointing is off for job '{job.Name}' (it was started with --no-checkpoints)",
        { Checkpointing: { } settings } =>
            $"job '{job.Name}' has as many checkpoints in progress as it allows ({settings.MaxConcurrent}), or the minimum pause ({Durations.Format(settings.MinPause)}) since the last one has not passed",
        _ => $"job '{job.Name}' does not checkpoint now",
    };
}
