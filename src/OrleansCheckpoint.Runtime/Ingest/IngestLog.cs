using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>One segment of an ingest log: consecutive push batches, starting at <see cref="StartOffset"/> (in events).</summary>
[GenerateSerializer, Immutable]
internal sealed record LogSegment([property: Id(0)] long StartOffset, [property: Id(1)] IReadOnlyList<PushBatch> Batches)
{
    public long EventCount => Batches.Sum(b => (long)b.Lines.Length);
}

/// <summary>Where segments are kept: blob storage, or memory for unit tests.</summary>
internal interface ISegmentStore
{
    /// <summary>The start offsets of the stored segments, ascending.</summary>
    Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation);

    /// <summary>Creates a segment; fails if one with that start offset exists (another writer got there first).</summary>
    Task CreateAsync(long startOffset, byte[] content, CancellationToken cancellation);

    Task<byte[]> ReadAsync(long startOffset, CancellationToken cancellation);

    Task DeleteAsync(long startOffset, CancellationToken cancellation);
}

/// <summary>A write to the ingest log was refused because a segment already exists at that offset: another writer (a stale activation) owns it.</summary>
internal sealed class IngestLogFencedException(string message) : Exception(message);

/// <summary>
/// The durable, replayable log of one source partition. Events are appended as segments (one per group
/// commit), each a create-only blob named by its first offset, so two writers can never both append at the
/// same offset: the stale one fails. The log remembers, per producer, the last batch sequence it holds, so a
/// retried push is recognised even when it was acknowledged after the last checkpoint.
/// </summary>
internal sealed class IngestLog(ISegmentStore segments, Serializer serializer)
{
    private readonly SortedDictionary<long, long> _segments = []; // start offset → event count, of the segments known

    public long EndOffset { get; private set; }

    /// <summary>Per producer, the highest sequence the log holds (after <see cref="OpenAsync"/>, the whole log's).</summary>
    public Dictionary<string, long> ProducerSequences { get; } = [];

    /// <summary>
    /// Finds the end of the log and reads the segments from <paramref name="fromOffset"/> on, returning their
    /// batches (to replay) and learning their producers' sequences on top of <paramref name="knownSequences"/>
    /// (the sequences of the events before <paramref name="fromOffset"/>, from a checkpoint).
    /// </summary>
    public async Task<IReadOnlyList<PushBatch>> OpenAsync(long fromOffset, IReadOnlyDictionary<string, long>? knownSequences, CancellationToken cancellation)
    {
        ProducerSequences.Clear();
        foreach (var (producer, sequence) in knownSequences ?? new Dictionary<string, long>())
        {
            ProducerSequences[producer] = sequence;
        }

        _segments.Clear();
        var replay = new List<PushBatch>();
        var starts = await segments.ListAsync(cancellation);
        EndOffset = 0;
        for (var i = 0; i < starts.Count; i++)
        {
            var start = starts[i];
            var next = i + 1 < starts.Count ? starts[i + 1] : long.MaxValue;
            if (next <= fromOffset)
            {
                _segments[start] = next - start; // wholly before the replay point: its size is known from its neighbour
                continue;
            }

            var segment = Deserialize(await segments.ReadAsync(start, cancellation));
            _segments[start] = segment.EventCount;
            var offset = start;
            foreach (var batch in segment.Batches)
            {
                if (offset >= fromOffset)
                {
                    replay.Add(batch);
                }
                else if (offset + batch.Lines.Length > fromOffset)
                {
                    throw new InvalidOperationException($"Offset {fromOffset} falls inside a batch of the ingest log (at {offset}); checkpoints are taken between batches.");
                }

                Remember(batch);
                offset += batch.Lines.Length;
            }

            EndOffset = start + segment.EventCount;
        }

        if (fromOffset > EndOffset)
        {
            throw new InvalidOperationException($"The ingest log ends at offset {EndOffset}, before the checkpoint's offset {fromOffset}: segments are missing.");
        }

        return replay;
    }

    /// <summary>
    /// Whether the log already holds this producer's batch. A producer's sequences are logged consecutively from 1
    /// (the source refuses a gap), so every sequence up to the producer's last one logged is in the log: a retry.
    /// </summary>
    public bool Contains(PushBatch batch) =>
        ProducerSequences.TryGetValue(batch.ProducerId, out var last) && batch.Sequence <= last;

    /// <summary>The producer's last sequence logged, 0 for a producer the log has not seen.</summary>
    public long LastSequenceOf(string producerId) => ProducerSequences.GetValueOrDefault(producerId);

    /// <summary>Appends <paramref name="batches"/> as one segment; returns its start offset once it is durable.</summary>
    public async Task<long> AppendAsync(IReadOnlyList<PushBatch> batches, CancellationToken cancellation)
    {
        var segment = new LogSegment(EndOffset, batches);
        try
        {
            await segments.CreateAsync(segment.StartOffset, serializer.SerializeToArray(segment), cancellation);
        }
        catch (RequestFailedException e) when (e.Status == 409 || e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            throw new IngestLogFencedException($"The ingest log already has a segment at offset {segment.StartOffset}: another activation of this source writes to it.");
        }

        _segments[segment.StartOffset] = segment.EventCount;
        EndOffset += segment.EventCount;
        foreach (var batch in batches)
        {
            Remember(batch);
        }

        return segment.StartOffset;
    }

    /// <summary>
    /// Deletes the segments that end before <paramref name="offset"/> (no retained checkpoint needs them). The segment that
    /// ends at it stays, so that a log whose every event precedes the offset still knows where it ends when reopened.
    /// </summary>
    public async Task<int> TruncateBeforeAsync(long offset, CancellationToken cancellation)
    {
        var deleted = 0;
        foreach (var (start, count) in _segments.ToList())
        {
            if (start + count >= offset)
            {
                break;
            }

            await segments.DeleteAsync(start, cancellation);
            _segments.Remove(start);
            deleted++;
        }

        return deleted;
    }

    private void Remember(PushBatch batch) =>
        ProducerSequences[batch.ProducerId] = Math.Max(batch.Sequence, ProducerSequences.GetValueOrDefault(batch.ProducerId));

    private LogSegment Deserialize(byte[] content) =>
        serializer.Deserialize<LogSegment>(content) ?? throw new InvalidOperationException("An ingest log segment is empty.");
}

/// <summary>Segments as block blobs <c>{job}/{source}/{partition}/{offset:D19}.seg</c>, created with If-None-Match: *.</summary>
internal sealed class BlobSegmentStore(BlobContainerClient container, TaskId partition) : ISegmentStore
{
    private readonly string _prefix = $"{partition.Job}/{partition.Operator}/{partition.Partition}/";

    public async Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation)
    {
        var starts = new List<long>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, _prefix, cancellation))
        {
            starts.Add(long.Parse(blob.Name[_prefix.Length..^4], System.Globalization.CultureInfo.InvariantCulture));
        }

        starts.Sort();
        return starts;
    }

    public Task CreateAsync(long startOffset, byte[] content, CancellationToken cancellation) =>
        Blob(startOffset).UploadAsync(
            BinaryData.FromBytes(content),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
            cancellation);

    public async Task<byte[]> ReadAsync(long startOffset, CancellationToken cancellation) =>
        (await Blob(startOffset).DownloadContentAsync(cancellation)).Value.Content.ToArray();

    public Task DeleteAsync(long startOffset, CancellationToken cancellation) =>
        Blob(startOffset).DeleteIfExistsAsync(cancellationToken: cancellation);

    private BlobClient Blob(long startOffset) => container.GetBlobClient($"{_prefix}{startOffset:D19}.seg");
}

/// <summary>Segments in memory, shared by the silo: for unit tests only (lost with the silo).</summary>
internal sealed class MemorySegmentStore : ISegmentStore
{
    private readonly SortedDictionary<long, byte[]> _segments = [];

    public Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation)
    {
        lock (_segments)
        {
            return Task.FromResult<IReadOnlyList<long>>([.. _segments.Keys]);
        }
    }

    public Task CreateAsync(long startOffset, byte[] content, CancellationToken cancellation)
    {
        lock (_segments)
        {
            if (!_segments.TryAdd(startOffset, content))
            {
                throw new RequestFailedException(409, "exists", BlobErrorCode.BlobAlreadyExists.ToString(), null);
            }
        }

        return Task.CompletedTask;
    }

    public Task<byte[]> ReadAsync(long startOffset, CancellationToken cancellation)
    {
        lock (_segments)
        {
            return Task.FromResult(_segments[startOffset]);
        }
    }

    public Task DeleteAsync(long startOffset, CancellationToken cancellation)
    {
        lock (_segments)
        {
            _segments.Remove(startOffset);
        }

        return Task.CompletedTask;
    }
}
