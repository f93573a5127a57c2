using System.CommandLine;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Cli.Savepoints;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client savepoint &lt;job&gt; [--timeout S]</c>, <c>client savepoint [&lt;job&gt;] --dispose &lt;id&gt;</c> and <c>client savepoints &lt;job&gt;</c>.</summary>
internal static class SavepointCommands
{
    public static Command Savepoint()
    {
        var job = new Argument<string?>("job") { Description = "The job's registered name (with --dispose: optional when the id is a path job/id)", Arity = ArgumentArity.ZeroOrOne };
        var dispose = new Option<string?>("--dispose") { Description = "Delete this savepoint (an id, or a path job/id) instead of taking one", HelpName = "id" };
        var timeout = new Option<double>("--timeout")
        {
            Description = "How long to wait for the savepoint to complete, in seconds",
            HelpName = "S",
            DefaultValueFactory = _ => 300,
        }.MustBePositive();
        var command = new Command(
            "savepoint",
            "Take a savepoint of a running job and print its id (--json: id, sizeBytes, durationMs, path); savepoints are self-contained and kept until disposed of")
        {
            job, dispose, timeout,
        };
        command.SetConnectedAction(async (context, cancellation) =>
        {
            var name = context.Parse.GetValue(job);
            if (context.Parse.GetValue(dispose) is { } disposed)
            {
                var (owner, id) = await SavepointIds.ResolveAsync(context.Client, name, disposed);
                await context.Client.GetGrain<ISavepointGrain>(owner).DisposeSavepointAsync(id);
                context.Output.Data(new { disposed = id, job = owner }, _ => new Spectre.Console.Text($"disposed of savepoint {id} of job '{owner}'{Environment.NewLine}"));
                return ExitCodes.Ok;
            }

            if (name is null)
            {
                throw new ClientException("client savepoint needs the job's name (or --dispose <id> to delete one).");
            }

            var savepoint = SavepointView.Of(await SavepointWait.TakeAsync(
                context.Client.GetGrain<ISavepointGrain>(name), name, stop: false, TimeSpan.FromSeconds(context.Parse.GetValue(timeout)), cancellation));
            if (context.Output.Json)
            {
                ConsoleOutput.JsonLine(ClientJson.Serialize(savepoint));
            }
            else
            {
                Console.Out.WriteLine(savepoint.Id); // the id alone on stdout: id=$(client savepoint job)
                ConsoleOutput.Note(savepoint.Describe());
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Savepoints()
    {
        var job = CommandSymbols.Job();
        var command = new Command("savepoints", "List a job's savepoints, newest first") { job };
        command.SetConnectedAction(async (context, _) =>
        {
            var savepoints = await context.Client.GetGrain<ISavepointGrain>(context.Parse.GetRequiredValue(job)).GetSavepointsAsync();
            context.Output.Data(savepoints.Select(SavepointView.Of).ToList(), SavepointView.Table);
            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>Which job a savepoint id or path names.</summary>
internal static class SavepointIds
{
    /// <summary>
    /// A path <c>job/id</c> names its job; a bare id needs <paramref name="job"/>, or is looked for among every job's
    /// savepoints (it must be found in exactly one).
    /// </summary>
    public static async Task<(string Job, long Id)> ResolveAsync(IClusterClient client, string? job, string spec)
    {
        var slash = spec.LastIndexOf('/');
        var owner = slash >= 0 ? spec[..slash] : job;
        if (!long.TryParse(slash >= 0 ? spec[(slash + 1)..] : spec, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            throw new ClientException($"'{spec}' is not a savepoint id (a number, or a path job/id).");
        }

        if (owner is not null)
        {
            if (job is not null && owner != job)
            {
                throw new ClientException($"'{spec}' is a savepoint of job '{owner}', not of job '{job}'.");
            }

            return (owner, id);
        }

        var jobs = await client.GetGrain<IJobCatalogGrain>(0).ListAsync();
        var holders = new List<string>();
        foreach (var info in jobs)
        {
            if ((await client.GetGrain<ISavepointGrain>(info.Name).GetSavepointsAsync()).Any(s => s.Id == id))
            {
                holders.Add(info.Name);
            }
        }

        return holders.Count switch
        {
            1 => (holders[0], id),
            0 => throw new SnapshotNotFoundException($"No job has a savepoint {id} (see `client savepoints <job>`)."),
            _ => throw new ClientException($"Jobs {string.Join(", ", holders.Select(h => $"'{h}'"))} each have a savepoint {id}: name one (client savepoint <job> --dispose {id}, or --dispose <job>/{id})."),
        };
    }
}
