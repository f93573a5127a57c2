using System.Globalization;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Messages;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Checkpoints;

/// <summary>
/// A checkpoint (or savepoint) read from storage, as <c>client inspect --json</c> writes it: its instances, each
/// operator's keyed state tables (entries, key groups holding them) and its state that is not keyed, in words.
/// </summary>
internal sealed record SnapshotSummaryView(
    string Job,
    long Id,
    long Generation,
    DateTimeOffset TriggeredAt,
    DateTimeOffset CompletedAt,
    long SizeBytes,
    long FullSizeBytes,
    IReadOnlyList<InstanceStateView> Instances)
{
    public static SnapshotSummaryView Of(SnapshotSummary summary) => new(
        summary.Job,
        summary.SnapshotId,
        summary.Generation,
        summary.TriggeredAt,
        summary.CompletedAt,
        summary.SizeBytes,
        summary.FullSizeBytes,
        [.. summary.Instances.Select(i => new InstanceStateView(i.Task.GrainKey, i.Format, i.SizeBytes, i.FullSizeBytes, i.Pieces, i.Watermark, i.Operators))]);

    /// <summary>The snapshot for people: a line about it, then a row per operator state table (or non-keyed state) of each instance.</summary>
    public static IRenderable Table(SnapshotSummaryView s)
    {
        var heading = new Text(
            $"checkpoint {JobViews.Number(s.Id)} of job {s.Job}: generation {JobViews.Number(s.Generation)}, completed " +
            $"{s.CompletedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)}, " +
            $"checkpointed {JobViews.Bytes(s.SizeBytes)}, full size {JobViews.Bytes(s.FullSizeBytes)}{Environment.NewLine}");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("instance", "format", "full size", "watermark", "operator", "state", "entries", "key groups");
        foreach (var column in new[] { 2, 6, 7 })
        {
            table.Columns[column].RightAligned();
        }

        foreach (var instance in s.Instances)
        {
            var first = true;
            foreach (var (op, state, entries, keyGroups) in Rows(instance))
            {
                table.AddRow(
                    new Text(first ? instance.Task : string.Empty),
                    new Text(first ? Format(instance) : string.Empty),
                    new Text(first ? JobViews.Bytes(instance.FullSizeBytes) : string.Empty),
                    new Text(first ? Watermark(instance.Watermark) : string.Empty),
                    new Text(op),
                    new Text(state),
                    new Text(entries),
                    new Text(keyGroups));
                first = false;
            }
        }

        return new Rows(heading, table);
    }

    private static string Format(InstanceStateView instance) => instance.Pieces switch
    {
        0 => instance.Format,
        1 => $"{instance.Format}, 1 piece",
        var pieces => $"{instance.Format}, {JobViews.Number(pieces)} pieces",
    };

    // Event time in UTC, as the job's timestamps are.
    private static string Watermark(long? watermark) => watermark is { } w
        ? DateTimeOffset.FromUnixTimeMilliseconds(w).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)
        : "-";

    private static IEnumerable<(string Operator, string State, string Entries, string KeyGroups)> Rows(InstanceStateView instance)
    {
        foreach (var op in instance.Operators)
        {
            if (op.Tables.Count == 0)
            {
                yield return (op.Uid, op.Description ?? "(stateless)", string.Empty, string.Empty);
            }

            foreach (var t in op.Tables)
            {
                yield return t.UndecodedBytes is { } undecoded
                    ? (op.Uid, $"{t.Name} (not decoded, {JobViews.Bytes(undecoded)})", JobViews.Number(t.Entries), "-")
                    : (op.Uid, t.Name, JobViews.Number(t.Entries), KeyGroups(t));
            }
        }
    }

    private static string KeyGroups(StateTableSummary table) => table.FirstKeyGroup is { } first && table.LastKeyGroup is { } last
        ? $"{JobViews.Number(table.KeyGroups)} ({first}–{last})"
        : "0";
}

/// <summary>One instance's snapshot: its key (<c>job/chain/partition</c>), layout, sizes, watermark and operators' state.</summary>
internal sealed record InstanceStateView(
    string Task, string Format, long SizeBytes, long FullSizeBytes, int Pieces, long? Watermark, IReadOnlyList<OperatorStateSummary> Operators);
