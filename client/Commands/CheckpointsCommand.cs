using System.CommandLine;
using OrleansCheckpoint.Cli.Checkpoints;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client checkpoints &lt;job&gt;</c></summary>
internal static class CheckpointsCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var command = new Command(
            "checkpoints",
            "List a job's recent checkpoints, newest first: status, duration, bytes written (checkpointed) and full state size, acknowledgements")
        {
            job,
        };
        command.SetConnectedAction(async (context, _) =>
        {
            // The coordinator is the job manager's grain: an unknown job fails here, with the list of registered jobs.
            var checkpoints = await context.Client.GetGrain<ICheckpointCoordinatorGrain>(context.Parse.GetRequiredValue(job)).GetCheckpointsAsync();
            context.Output.Data(checkpoints.Select(CheckpointView.Of).ToList(), CheckpointView.Table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
