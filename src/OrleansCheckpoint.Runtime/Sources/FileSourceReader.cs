using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// Reads a file source instance's files (Flink's FileSource with a static split assignment): lists the prefix, keeps the
/// files whose stable name hash modulo the parallelism is this instance's partition and that it has not read, and
/// reads them in ordinal name order — the one a restore was in first, from its offset. A batch of at most
/// <c>batchSize</c> records is parsed off the grain's scheduler, its rejected records written as dead letters, then it
/// is queued at the instance's gate, waiting while the gate is full (backpressure: a file is never read further ahead
/// than the gate holds). Bounded, it returns once the files present at its start are read; watching, it lists the
/// prefix again every discovery interval, for good.
/// </summary>
internal sealed class FileSourceReader(
    IFileSourceOperator source, ISourceFiles files, DeadLetterWriter deadLetters, TaskId task, int parallelism, int batchSize,
    Func<ChannelBatch, CancellationToken, Task> enqueue)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal); // read and queued (not necessarily processed)
    private readonly string _container = source.Settings.Container is { Length: > 0 } named ? named : files.InputContainer;

    /// <summary>Records read (and parsed or sent to dead letters), for the instance's "events accepted".</summary>
    public Action<int>? OnRead { get; init; }

    /// <summary>Whether this instance of <paramref name="parallelism"/> reads file <paramref name="name"/>.</summary>
    public static bool Reads(string name, int partition, int parallelism) => (int)(StableKeyHash.Of(name) % (ulong)parallelism) == partition;

    public async Task RunAsync(long generation, CancellationToken cancellation)
    {
        var start = source.Files;
        _read.UnionWith(start.Done);
        var settings = source.Settings;
        if (start.Current is { } current)
        {
            await ReadFileAsync(current, start.Line, start.Byte, generation, cancellation);
        }

        while (true)
        {
            var found = new List<string>();
            await foreach (var name in files.ListAsync(_container, settings.Prefix, cancellation))
            {
                if (!_read.Contains(name) && Reads(name, task.Partition, parallelism))
                {
                    found.Add(name);
                }
            }

            found.Sort(StringComparer.Ordinal);
            foreach (var name in found)
            {
                await ReadFileAsync(name, 0, 0, generation, cancellation);
            }

            if (settings.DiscoveryInterval is not { } interval)
            {
                return;
            }

            await Task.Delay(interval, cancellation);
        }
    }

    /// <summary>Reads <paramref name="name"/> from after line <paramref name="line"/> (byte <paramref name="offset"/>) to its end, a batch at a time.</summary>
    private async Task ReadFileAsync(string name, long line, long offset, long generation, CancellationToken cancellation)
    {
        var header = await HeaderAsync(name, cancellation);
        if (header is not null && offset == 0)
        {
            (line, offset) = (header.Value.EndLine, header.Value.EndByte);
        }

        await using var reader = await OpenAsync(name, line, offset, cancellation);
        var ended = false;
        while (!ended)
        {
            // Reading and parsing run on the thread pool, outside the grain's turns (see StreamTask.GenerateAsync for why).
            var (batch, progress) = await Task.Run(() => NextBatchAsync(reader, name, header?.Fields, generation, cancellation), cancellation);
            ended = progress.Ended;
            OnRead?.Invoke(batch.Count + progress.DeadLetters);
            source.Reaches(batch, progress);
            await enqueue(batch, cancellation);
        }

        _read.Add(name);
    }

    private async Task<(ChannelBatch Batch, FileProgress Progress)> NextBatchAsync(
        IFileRecordReader reader, string name, IReadOnlyList<string>? header, long generation, CancellationToken cancellation)
    {
        var records = new List<FileRecord>(batchSize);
        FileRecord? next = null;
        while (records.Count < batchSize && (next = await reader.NextAsync(cancellation)) is not null)
        {
            records.Add(next);
        }

        var letters = new List<DeadLetter>();
        var batch = source.Parse(name, records, header, generation, letters);
        await deadLetters.WriteAsync(letters, cancellation); // durable before the batch can be in a checkpoint
        var last = records.Count > 0 ? records[^1] : null;
        var ended = next is null;
        return (batch, new FileProgress(name, last?.EndLine ?? 0, last?.EndByte ?? 0, ended, letters.Count));
    }

    /// <summary>A CSV file's header row (when the source reads CSV with headers), or null.</summary>
    private async Task<(string[] Fields, long EndLine, long EndByte)?> HeaderAsync(string name, CancellationToken cancellation)
    {
        if (source.Format != SourceFileFormat.Csv || !source.Settings.CsvHeader)
        {
            return null;
        }

        await using var reader = await OpenAsync(name, 0, 0, cancellation);
        return await reader.NextAsync(cancellation) is { } header ? (header.Fields ?? [], header.EndLine, header.EndByte) : (Array.Empty<string>(), 0L, 0L);
    }

    private async Task<IFileRecordReader> OpenAsync(string name, long line, long offset, CancellationToken cancellation)
    {
        var stream = await files.OpenReadAsync(_container, name, offset, cancellation);
        return source.Format == SourceFileFormat.Csv ? CsvRecordReader.Open(stream, line, offset) : new LineRecordReader(stream, line, offset);
    }
}
