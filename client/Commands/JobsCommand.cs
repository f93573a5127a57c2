using System.CommandLine;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client jobs</c></summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var command = new Command("jobs", "List the jobs registered in the cluster with their status");
        command.SetConnectedAction(async (context, _) =>
        {
            var jobs = await context.Client.GetGrain<IJobCatalogGrain>(0).ListAsync();
            context.Output.Data(jobs, JobViews.JobList);
            return ExitCodes.Ok;
        });
        return command;
    }
}
