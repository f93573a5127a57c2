using System.Globalization;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Messages;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Savepoints;

/// <summary>
/// A savepoint as <c>client savepoint --json</c> and <c>client savepoints --json</c> write it: <c>id</c> (what
/// <c>client start --from</c> and <c>client inspect</c> take), <c>sizeBytes</c>, <c>durationMs</c> and <c>path</c>
/// (<c>job/id</c>, accepted wherever an id is), then when it was taken, at which parallelism, and whether the job stopped with it.
/// </summary>
internal sealed record SavepointView(
    long Id, long SizeBytes, double DurationMs, string Path, string Job, DateTimeOffset TriggeredAt, DateTimeOffset CompletedAt, int Parallelism, bool Stopped, int Instances)
{
    public static SavepointView Of(SavepointInfo savepoint) => new(
        savepoint.Id, savepoint.SizeBytes, Math.Round(savepoint.DurationMs, 3), savepoint.Path, savepoint.Job, savepoint.TriggeredAt, savepoint.CompletedAt,
        savepoint.Parallelism, savepoint.Stopped, savepoint.Instances.Count);

    /// <summary>One line for people.</summary>
    public string Describe() =>
        $"savepoint {Id} of job '{Job}' ({Path}): {JobViews.Bytes(SizeBytes)} from {Instances} instances at parallelism {Parallelism}, in {DurationMs.ToString("N0", CultureInfo.InvariantCulture)} ms";

    /// <summary>Savepoints as a table, newest first.</summary>
    public static IRenderable Table(IReadOnlyList<SavepointView> savepoints)
    {
        if (savepoints.Count == 0)
        {
            return new Text($"no savepoints{Environment.NewLine}");
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("id", "path", "taken", "duration ms", "size", "parallelism", "stopped");
        foreach (var column in new[] { 0, 3, 4, 5 })
        {
            table.Columns[column].RightAligned();
        }

        foreach (var s in savepoints)
        {
            table.AddRow(
                JobViews.Number(s.Id),
                Markup.Escape(s.Path),
                s.CompletedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                s.DurationMs.ToString("N0", CultureInfo.InvariantCulture),
                JobViews.Bytes(s.SizeBytes),
                s.Parallelism.ToString(CultureInfo.InvariantCulture),
                s.Stopped ? "yes" : string.Empty);
        }

        return table;
    }
}
