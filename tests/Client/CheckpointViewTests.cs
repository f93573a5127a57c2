using System.Text.Json;
using OrleansCheckpoint.Cli.Checkpoints;
using OrleansCheckpoint.Cli.Demo;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Messages;
using Spectre.Console;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>What <c>client checkpoints --json</c> and the demo's figures make of the coordinator's statistics.</summary>
public sealed class CheckpointViewTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(CheckpointStatus.Completed, "completed")]
    [InlineData(CheckpointStatus.Aborted, "aborted")]
    [InlineData(CheckpointStatus.InProgress, "in-progress")]
    public void A_checkpoint_is_written_with_its_status_in_kebab_case_and_its_instances_by_task_key(CheckpointStatus status, string expected)
    {
        var stats = Stats(7, status, durationMs: 12.3456, alignments: [1.5, 2.5], failure: status == CheckpointStatus.Aborted ? "timed out" : null);

        var json = JsonDocument.Parse(ClientJson.Serialize(new[] { CheckpointView.Of(stats) })).RootElement[0];

        Assert.Equal(7, json.GetProperty("id").GetInt64());
        Assert.Equal(expected, json.GetProperty("status").GetString());
        Assert.Equal(12.346, json.GetProperty("durationMs").GetDouble());
        Assert.Equal(200, json.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(T0, json.GetProperty("triggeredAt").GetDateTimeOffset());
        Assert.Equal(2, json.GetProperty("acknowledged").GetInt32());
        Assert.Equal(3, json.GetProperty("total").GetInt32());
        Assert.Equal(stats.FailureReason, json.GetProperty("failureReason").GetString());
        var instance = json.GetProperty("instances")[1];
        Assert.Equal("cli/counts/1", instance.GetProperty("task").GetString());
        Assert.Equal(100, instance.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(0.5, instance.GetProperty("syncMs").GetDouble());
        Assert.Equal(4, instance.GetProperty("asyncMs").GetDouble());
        Assert.Equal(2.5, instance.GetProperty("alignmentMs").GetDouble());
    }

    [Fact]
    public void A_checkpoint_carries_the_bytes_it_wrote_and_the_full_size_of_the_state_it_describes()
    {
        var handles = new[]
        {
            Handle(0, sizeBytes: 100, fullSizeBytes: 1_000), // incremental: wrote a tenth of its state
            Handle(1, sizeBytes: 300, fullSizeBytes: 0), // full size unknown (an older snapshot): what it wrote is all of it
        };
        var stats = new CheckpointStats(9, CheckpointStatus.Completed, T0, 10, 400, 2, 2, null, handles);

        var json = JsonDocument.Parse(ClientJson.Serialize(CheckpointView.Of(stats))).RootElement;

        Assert.Equal(400, json.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(1_300, json.GetProperty("fullSizeBytes").GetInt64());
        Assert.Equal([1_000, 300], json.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("fullSizeBytes").GetInt64()));
        Assert.Equal([100, 300], json.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("sizeBytes").GetInt64()));
    }

    [Fact]
    public void The_table_shows_what_each_checkpoint_wrote_beside_its_full_size()
    {
        var handle = Handle(0, sizeBytes: 2_048, fullSizeBytes: 3 * 1024 * 1024);
        var stats = new CheckpointStats(9, CheckpointStatus.Completed, T0, 10, 2_048, 1, 1, null, [handle]);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(new StringWriter()) });
        console.Profile.Width = 200;

        console.Write(CheckpointView.Table([CheckpointView.Of(stats)]));
        var row = console.Profile.Out.Writer.ToString()!.Split('\n').Single(l => l.Contains("completed", StringComparison.Ordinal));

        Assert.Matches(@"2 KiB\s*│\s*3 MiB", row);
    }

    [Fact]
    public void Checkpoint_modes_are_written_as_the_command_line_spells_them() =>
        Assert.Equal("{\"mode\":\"at-least-once\"}", ClientJson.Serialize(new { mode = CheckpointMode.AtLeastOnce }));

    [Fact]
    public void Figures_count_completed_and_aborted_and_take_percentiles_over_completed_ones_only()
    {
        var checkpoints = new List<CheckpointStats> { Stats(12, CheckpointStatus.InProgress, 5, [900]) };
        checkpoints.AddRange(Enumerable.Range(1, 10).Select(i => Stats(12 - i, CheckpointStatus.Completed, durationMs: i * 10, alignments: [i, 100 + i])));
        checkpoints.Add(Stats(1, CheckpointStatus.Aborted, 60_000, [5000], "timed out"));

        var figures = CheckpointFigures.Of(checkpoints);

        Assert.Equal(10, figures.Completed);
        Assert.Equal(1, figures.Aborted);
        Assert.Equal(50, figures.DurationP50Ms);
        Assert.Equal(100, figures.DurationP99Ms);
        Assert.Equal(100, figures.DurationMaxMs);
        Assert.Equal(200, figures.LatestSizeBytes); // of checkpoint 11, the newest completed
        Assert.Equal(110, figures.AlignmentP99Ms);
    }

    [Fact]
    public void Without_a_completed_checkpoint_there_are_counts_but_no_durations()
    {
        var figures = CheckpointFigures.Of([Stats(1, CheckpointStatus.Aborted, 10, [1], "declined")]);

        Assert.Equal(new CheckpointFigures(0, 1, null, null, null, null, null), figures);
    }

    [Fact]
    public void The_demo_summary_carries_the_figures_under_checkpoints()
    {
        var figures = new CheckpointFigures(3, 1, 10.5, 20, 20, 6233, 1.5);

        var report = new DemoReport([], 10, 1, 10, 0, 1, 10, 2, figures);

        var json = JsonDocument.Parse(ClientJson.Serialize(report)).RootElement.GetProperty("checkpoints");

        Assert.Equal(
            ["completed", "aborted", "durationP50Ms", "durationP99Ms", "durationMaxMs", "latestSizeBytes", "alignmentP99Ms"],
            json.EnumerateObject().Select(p => p.Name));
    }

    private static SnapshotHandle Handle(int partition, long sizeBytes, long fullSizeBytes) =>
        new(new TaskId("cli", "counts", partition), 9, "chk-9", sizeBytes, "00", 0.5, 4, 1, FullSizeBytes: fullSizeBytes);

    private static CheckpointStats Stats(long id, CheckpointStatus status, double durationMs, double[] alignments, string? failure = null) => new(
        id,
        status,
        T0,
        durationMs,
        alignments.Length * 100,
        alignments.Length,
        alignments.Length + 1,
        failure,
        [.. alignments.Select((a, p) => new SnapshotHandle(new TaskId("cli", "counts", p), id, $"chk-{id}", 100, "00", 0.5, 4, a))]);
}
