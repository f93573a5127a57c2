using System.Globalization;
using System.Text;
using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>
/// Writes records as JSON lines or CSV rows to part files: a transaction's lines are staged in the checkpoint's state
/// and written, as one new file named after the instance and the checkpoint (behind the format's header, if any), when
/// that checkpoint completes.
/// </summary>
internal sealed class FileSink<T>(FileSinkTransformation<T> sink) : TwoPhaseCommitSink<T, List<string>>(sink)
{
    private readonly RecordFormat<T> _format = RecordFormat<T>.For(sink.Format);
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private long _unsequenced;

    /// <summary>The path of a part file: <c>{job}/{uid}/part-{partition}-{checkpoint}[-final]{extension}</c>.</summary>
    public static string PartPath(string job, string uid, int partition, long checkpointId, bool final, string extension = ".jsonl") =>
        string.Create(CultureInfo.InvariantCulture, $"{job}/{uid}/part-{partition:D4}-{checkpointId:D10}{(final ? "-final" : string.Empty)}{extension}");

    protected override List<string> Begin() => [];

    protected override void Stage(List<string> transaction, T value) => transaction.Add(_format.Format(value));

    protected override bool IsEmpty(List<string> transaction) => transaction.Count == 0;

    protected override void Append(List<string> into, List<string> later) => into.AddRange(later);

    protected override async Task CommitAsync(int partition, long checkpointId, bool final, List<string> transaction)
    {
        var content = new StringBuilder();
        if (_format.Header is { } header)
        {
            content.Append(header).Append('\n');
        }

        foreach (var line in transaction)
        {
            content.Append(line).Append('\n');
        }

        // Without checkpoints every batch commits at once (id 0): each gets a file of its own.
        var path = Context.Checkpointing || final
            ? PartPath(Context.Task.Job, sink.Uid, partition, checkpointId, final, _format.Extension)
            : string.Create(CultureInfo.InvariantCulture, $"{Context.Task.Job}/{sink.Uid}/part-{partition:D4}-unchecked-{_run}-{++_unsequenced:D10}{_format.Extension}");
        if (await Context.Files.CreateAsync(path, BinaryData.FromString(content.ToString())))
        {
            Context.Counters.ResultsEmitted += transaction.Count;
        }
    }
}
