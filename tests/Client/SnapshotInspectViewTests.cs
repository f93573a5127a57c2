using System.Text.Json;
using OrleansCheckpoint.Cli.Checkpoints;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Messages;
using Spectre.Console;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>What <c>client inspect</c> makes of a snapshot's summary: one JSON object, or a table for people.</summary>
public sealed class SnapshotInspectViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static readonly SnapshotSummary Summary = new("job", 12, 3, T0, T0.AddSeconds(1), 900, 5_000,
    [
        new InstanceStateSummary(
            new TaskId("job", "src", 0), "incremental", 100, 100, 0, null, [new OperatorStateSummary("src", [], "offset 40, 1 producer")]),
        new InstanceStateSummary(new TaskId("job", "fn", 1), "incremental", 800, 4_900, 3, T0.ToUnixTimeMilliseconds() + 4_995,
        [
            new OperatorStateSummary(
                "fn", [new StateTableSummary("value:last", 40, 0, null, null, 1_300), new StateTableSummary("timers", 7, 5, 64, 127)]),
            new OperatorStateSummary("fn-sink", [], "1 pending transaction (checkpoint 12)"),
        ]),
    ]);

    [Fact]
    public void The_json_names_each_instance_by_its_task_key_with_its_operators_tables()
    {
        var json = JsonDocument.Parse(ClientJson.Serialize(SnapshotSummaryView.Of(Summary))).RootElement;

        Assert.Equal(
            (12, 3, 5_000),
            (json.GetProperty("id").GetInt64(), json.GetProperty("generation").GetInt64(), json.GetProperty("fullSizeBytes").GetInt64()));
        var instance = json.GetProperty("instances")[1];
        Assert.Equal(("job/fn/1", 3), (instance.GetProperty("task").GetString(), instance.GetProperty("pieces").GetInt32()));
        var table = instance.GetProperty("operators")[0].GetProperty("tables")[0];
        Assert.Equal(
            ("value:last", 40, 1_300),
            (table.GetProperty("name").GetString(), table.GetProperty("entries").GetInt64(), table.GetProperty("undecodedBytes").GetInt64()));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("instances")[0].GetProperty("watermark").ValueKind);
    }

    [Fact]
    public void The_table_has_a_row_per_state_table_or_non_keyed_state_and_shows_what_was_not_decoded()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()) });
        console.Profile.Width = 250;

        console.Write(SnapshotSummaryView.Table(SnapshotSummaryView.Of(Summary)));
        var lines = console.Profile.Out.Writer.ToString()!.Split('\n');

        Assert.Contains("checkpoint 12 of job job: generation 3", lines[0]);
        string Row(string text) => Assert.Single(lines, l => l.Contains(text, StringComparison.Ordinal));
        Assert.Matches(@"job/src/0\s*│\s*incremental\s*│\s*100 B\s*│\s*-\s*│\s*src\s*│\s*offset 40, 1 producer", Row("job/src/0"));
        Assert.Matches(
            @"job/fn/1\s*│\s*incremental, 3 pieces\s*│\s*4.8 KiB\s*│\s*2026-11-24 10:00:04.995\s*│\s*fn\s*│\s*value:last \(not decoded, 1.3 KiB\)\s*│\s*40\s*│\s*-",
            Row("job/fn/1"));
        Assert.Matches(@"│\s*fn\s*│\s*timers\s*│\s*7\s*│\s*5 \(64–127\)", Row("timers"));
        Assert.Matches(@"│\s*fn-sink\s*│\s*1 pending transaction \(checkpoint 12\)", Row("fn-sink"));
    }
}
