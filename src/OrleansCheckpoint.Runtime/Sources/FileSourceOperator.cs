using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>A file source instance as its reader (<see cref="FileSourceReader"/>) and the instance's loop see it.</summary>
internal interface IFileSourceOperator : ISourceOperator
{
    FileSourceSettings Settings { get; }

    SourceFileFormat Format { get; }

    /// <summary>The position processed: files read, and the file being read with its line and byte offset (the restored one, before the reader starts).</summary>
    FilePosition Files { get; }

    /// <summary>
    /// Parses <paramref name="records"/> of <paramref name="file"/> into a batch, and the ones it rejects into
    /// <paramref name="letters"/>. Called off the grain's scheduler: it touches nothing the processing path writes.
    /// </summary>
    ChannelBatch Parse(string file, IReadOnlyList<FileRecord> records, IReadOnlyList<string>? header, long generation, List<DeadLetter> letters);

    /// <summary>Tells the position <paramref name="batch"/> reaches, once processed (the batch is queued at the gate next).</summary>
    void Reaches(ChannelBatch batch, FileProgress progress);
}

/// <summary>Where a file source instance is: the files it has read whole, and the one it reads with the lines and bytes read of it.</summary>
internal sealed record FilePosition(ImmutableSortedSet<string> Done, string? Current, long Line, long Byte)
{
    public static readonly FilePosition Start = new(ImmutableSortedSet.Create<string>(StringComparer.Ordinal), null, 0, 0);
}

/// <summary>What a batch advances: in <paramref name="File"/>, up to the end of line <paramref name="Line"/> and byte <paramref name="Byte"/>; <paramref name="Ended"/>: that is the whole file.</summary>
internal sealed record FileProgress(string File, long Line, long Byte, bool Ended, int DeadLetters);

/// <summary>
/// A file source partition. Its reader parses records off the processing path and queues batches with the position
/// each reaches; the position advances when a batch is processed (not when it is read: batches waiting at the gate
/// when a checkpoint is taken are not in it), so after a restore the reader goes on from the file and offset the
/// checkpoint holds. Rejected records were written as dead letters before their batch was queued, and are counted
/// here, with the position, so a replay counts them once.
/// </summary>
internal sealed class FileSourceOperator<T>(FileSourceTransformation<T> source)
    : SourceOperatorBase<T>(source, source.Watermarks), IFileSourceOperator
{
    private readonly ConcurrentQueue<(ChannelBatch Batch, FileProgress Progress)> _queued = new();
    private FilePosition _files = FilePosition.Start;
    private long _deadLetters;

    public FileSourceSettings Settings => source.Settings;

    public SourceFileFormat Format => source.Format;

    public FilePosition Files => _files;

    public ChannelBatch Parse(string file, IReadOnlyList<FileRecord> records, IReadOnlyList<string>? header, long generation, List<DeadLetter> letters)
    {
        var parsed = new List<StreamRecord<T>>(records.Count);
        foreach (var record in records)
        {
            if (Reject(record, header) is { } problem)
            {
                letters.Add(new DeadLetter(file, record.Line, record.Text, problem));
                continue;
            }

            try
            {
                var value = source.Format == SourceFileFormat.Csv ? source.ParseCsv!(new CsvRow(record.Fields!, header)) : source.ParseLine!(record.Text);
                parsed.Add(new StreamRecord<T>(value, TimestampOf(value)));
            }
            catch (Exception e) when (DeadLetter.Rejects(e))
            {
                letters.Add(new DeadLetter(file, record.Line, record.Text, DeadLetter.ErrorOf(e)));
            }
        }

        return new ChannelBatch<T> { Generation = generation, SenderVertex = -1, SenderPartition = 0, Sequence = 0, Records = [.. parsed] };
    }

    public void Reaches(ChannelBatch batch, FileProgress progress) => _queued.Enqueue((batch, progress));

    public override void ProcessBatch(ChannelBatch batch)
    {
        base.ProcessBatch(batch);
        if (_queued.TryPeek(out var head) && ReferenceEquals(head.Batch, batch))
        {
            _queued.TryDequeue(out _);
            var progress = head.Progress;
            _files = progress.Ended
                ? new FilePosition(_files.Done.Add(progress.File), null, 0, 0)
                : _files with { Current = progress.File, Line = progress.Line, Byte = progress.Byte };
            _deadLetters += progress.DeadLetters;
            Context.Counters.DeadLetters = _deadLetters;
        }
    }

    public override object SnapshotState(long checkpointId) =>
        new FileSourceState(Position, [.. _files.Done], _files.Current, _files.Line, _files.Byte, _deadLetters);

    public override void RestoreState(object state)
    {
        var files = (FileSourceState)state;
        base.RestoreState(files.Source);
        _files = new FilePosition(ImmutableSortedSet.Create(StringComparer.Ordinal, files.Done), files.Current, files.Line, files.Byte);
        _deadLetters = files.DeadLetters;
        Context.Counters.DeadLetters = _deadLetters;
    }

    public override string DescribeState()
    {
        var reading = _files.Current is { } current ? $", reading '{current}' after line {_files.Line} (byte {_files.Byte})" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"offset {Offset}, {_files.Done.Count} files read{reading}, {_deadLetters} dead letters");
    }

    /// <summary>Why a record is rejected before it is parsed (malformed CSV, or another number of fields than the header), or null.</summary>
    private static string? Reject(FileRecord record, IReadOnlyList<string>? header) =>
        record.Malformed is { } malformed ? $"CsvFormat: {malformed}"
        : header is not null && record.Fields is { } fields && fields.Length != header.Count
            ? string.Create(CultureInfo.InvariantCulture, $"CsvColumns: the row has {fields.Length} fields, the header {header.Count}")
            : null;
}

/// <summary>A file source partition's snapshot: its source position (offset, watermark), the files read, the current file's offsets, and its dead letters.</summary>
[GenerateSerializer, Immutable]
internal sealed record FileSourceState(
    [property: Id(0)] SourceState Source,
    [property: Id(1)] string[] Done,
    [property: Id(2)] string? Current,
    [property: Id(3)] long Line,
    [property: Id(4)] long Byte,
    [property: Id(5)] long DeadLetters);
