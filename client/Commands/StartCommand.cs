using System.CommandLine;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>
/// <c>client start &lt;job&gt; [--parallelism N] [--checkpoint-interval D] [--checkpoint-timeout D] [--checkpoint-min-pause D]
/// [--max-concurrent-checkpoints N] [--tolerable-checkpoint-failures N] [--retained-checkpoints N]
/// [--checkpoint-mode exactly-once|at-least-once] [--no-checkpoints] [--no-incremental-checkpoints] [--consolidate-after N]
/// [--restart-strategy fixed-delay|exponential-backoff|none]
/// [--restart-delay D] [--restart-max-delay D] [--restart-attempts N] [--restart-window D] [--from ID [--allow-non-restored-state]]</c>
/// </summary>
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

        var from = new Option<string?>("--from")
        {
            Description = "Restore this checkpoint or savepoint (an id, or a savepoint path job/id) instead of the latest; a new checkpoint history starts there",
            HelpName = "id",
        };
        var allowNonRestored = new Option<bool>("--allow-non-restored-state")
        {
            Description = "With --from: drop the state of operators the job no longer has, instead of refusing the snapshot",
        };
        var command = new Command(
            "start",
            "Start a job (a running job is left as it is) and show it. Unset checkpoint and restart options take the silo's OrleansCheckpoint:Checkpointing and OrleansCheckpoint:Restart")
        {
            job, parallelism, from, allowNonRestored,
        };
        foreach (var option in CheckpointOptions.All.Concat(RestartOptions.All))
        {
            command.Options.Add(option);
        }

        command.SetConnectedAction(async (context, _) =>
        {
            var jobManager = context.Client.GetGrain<IJobManagerGrain>(context.Parse.GetRequiredValue(job));
            var overrides = CheckpointOptions.OverridesOf(context.Parse);
            var requested = context.Parse.GetValue(parallelism);
            var restart = RestartOptions.OverridesOf(context.Parse);
            JobInfo info;
            try
            {
                info = await jobManager.StartAsync(new JobStartOptions(
                    requested, CheckpointOverrides: overrides, RestartOverrides: restart, FromSnapshot: context.Parse.GetValue(from), AllowNonRestoredState: context.Parse.GetValue(allowNonRestored)));
            }
            catch (Exception e) when (ErrorCauses.Find<InvalidCheckpointSettingsException>(e) is { } invalid)
            {
                throw new ClientException(CheckpointOptions.Describe(invalid.Job, invalid.Problems)); // named as this command's options
            }

            context.Output.Data(info, JobViews.Job);
            if (requested is { } wanted && wanted != info.Parallelism)
            {
                ConsoleOutput.Note($"job '{info.Name}' was already running with parallelism {info.Parallelism}: --parallelism {wanted} is ignored (stop it first to start it with another).");
            }

            if (overrides is not null && info.Checkpointing is { } running && overrides.ApplyTo(running) != running)
            {
                ConsoleOutput.Note($"job '{info.Name}' was already running: its checkpoint settings are unchanged (stop it first to start it with others).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
