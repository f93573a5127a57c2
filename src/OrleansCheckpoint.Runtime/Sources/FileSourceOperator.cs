using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Sources;

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
