using System.CommandLine;
using System.Text.Json.Nodes;
using OrleansCheckpoint.Grains;
using Spectre.Console;

namespace OrleansCheckpoint.Client.Commands;

/// <summary><c>client query &lt;job&gt; &lt;key&gt;</c></summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var key = new Argument<string>("key") { Description = "The key to look up in the job's queryable state" };
        var command = new Command("query", "Show the current value of a key in a job's queryable state") { job, key };
        command.SetConnectedAction(async (context, _) =>
        {
            var result = await context.Client.GetGrain<IJobManagerGrain>(context.Parse.GetRequiredValue(job)).QueryAsync(context.Parse.GetRequiredValue(key));
            var json = new JsonObject
            {
                ["key"] = result.Key,
                ["value"] = result.ValueJson is null ? null : JsonNode.Parse(result.ValueJson),
            };
            context.Output.Data(json, _ => new Text($"{result.Key}: {result.ValueJson ?? "(no value)"}{Environment.NewLine}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
