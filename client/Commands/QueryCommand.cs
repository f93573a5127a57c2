using System.CommandLine;
using System.Text.Json.Nodes;
using OrleansCheckpoint.Grains;
using Spectre.Console;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client query &lt;job&gt; &lt;key&gt;</c></summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var key = new Argument<string>("key") { Description = "The key to look up" };
        var live = new Option<bool>("--live")
        {
            Description = "Read the operator's current, uncommitted state instead of the value committed by the last completed checkpoint",
        };
        var command = new Command(
            "query",
            "Show the committed value of a key in a job's result table (with --live: the current value in its queryable state)") { job, key, live };
        command.SetConnectedAction(async (context, _) =>
        {
            var result = await context.Client.GetGrain<IJobManagerGrain>(context.Parse.GetRequiredValue(job))
                .QueryAsync(context.Parse.GetRequiredValue(key), context.Parse.GetValue(live));
            var json = new JsonObject
            {
                ["key"] = result.Key,
                ["value"] = result.ValueJson is null ? null : JsonNode.Parse(result.ValueJson),
                ["committed"] = result.Committed,
                ["checkpointId"] = result.CheckpointId,
            };
            var provenance = result.Committed ? $"  (committed, checkpoint {result.CheckpointId})" : "  (live)";
            context.Output.Data(json, _ => new Text($"{result.Key}: {result.ValueJson ?? "(no value)"}{provenance}{Environment.NewLine}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
