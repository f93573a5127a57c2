using System.CommandLine;
using System.Text.Json.Nodes;
using OrleansCheckpoint.Cli.Checkpoints;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary><c>client inspect &lt;job&gt; &lt;id&gt; [--operator &lt;uid&gt;] [--key &lt;key&gt;]</c></summary>
internal static class InspectCommand
{
    private const int EntriesPerCall = 1_000;

    public static Command Create()
    {
        var job = CommandSymbols.Job();
        var id = new Argument<long>("id") { Description = "The checkpoint's or savepoint's id (see `client checkpoints`)" };
        var op = new Option<string?>("--operator")
        {
            Description = "Print this operator's keyed state as JSON lines (key, state, value, key group, instance): "
                + "accumulators, window accumulators, value states, pending timers",
            HelpName = "uid",
        };
        var key = new Option<string?>("--key") { Description = "With --operator: only this key's entries (written as for `client query`)", HelpName = "key" };
        var command = new Command(
            "inspect",
            "Read a checkpoint or savepoint straight from storage, whether the job runs or not: its operators, instances, key groups "
            + "and sizes, or with --operator one operator's state")
        {
            job, id, op, key,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(key) is not null && result.GetValue(op) is null)
            {
                result.AddError("--key needs --operator: the operator whose state to read the key's entries from.");
            }
        });
        command.SetConnectedAction(async (context, cancellation) =>
        {
            var inspector = context.Client.GetGrain<ISnapshotInspectorGrain>(context.Parse.GetRequiredValue(job));
            var snapshotId = context.Parse.GetRequiredValue(id);
            if (context.Parse.GetValue(op) is not { } uid)
            {
                context.Output.Data(SnapshotSummaryView.Of(await inspector.SummarizeAsync(snapshotId)), SnapshotSummaryView.Table);
                return ExitCodes.Ok;
            }

            var wanted = context.Parse.GetValue(key);
            var printed = 0L;
            var entries = inspector.ReadEntriesAsync(snapshotId, uid, wanted, cancellation).WithBatchSize(EntriesPerCall);
            await foreach (var entry in entries.WithCancellation(cancellation))
            {
                if (entry.Note is { } note)
                {
                    ConsoleOutput.Note($"{entry.Instance} {entry.State}: {note}");
                    continue;
                }

                ConsoleOutput.JsonLine(Line(entry).ToJsonString(ClientJson.Options));
                printed++;
            }

            if (printed == 0)
            {
                ConsoleOutput.Note(wanted is null
                    ? $"operator '{uid}' holds no keyed state in snapshot {snapshotId}"
                    : $"no state of key '{wanted}' in operator '{uid}' in snapshot {snapshotId}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>One entry as a JSON line: key and value as the JSON they are, then where it is held.</summary>
    private static JsonObject Line(StateEntry entry)
    {
        var line = new JsonObject
        {
            ["key"] = entry.KeyJson is null ? null : JsonNode.Parse(entry.KeyJson),
            ["state"] = entry.State,
            ["value"] = entry.ValueJson is null ? null : JsonNode.Parse(entry.ValueJson),
        };
        if (entry.ResultJson is not null)
        {
            line["result"] = JsonNode.Parse(entry.ResultJson);
        }

        line["keyGroup"] = entry.KeyGroup;
        line["instance"] = entry.Instance;
        return line;
    }
}
