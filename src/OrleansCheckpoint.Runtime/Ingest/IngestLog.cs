using Azure;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>
/// The durable, replayable log of one source partition. Events are appended as segments (one per group commit), each
/// named by its first offset and written conditionally, so two writers never both append at one offset.
/// <para>
/// Single writer: opening the log claims its end for the opener — a claim is an empty segment at the end offset, with the
/// opener's generation, that the opener's first append replaces (If-Match). A writer that opened the log earlier can
/// append nowhere after that: at the end offset it knows, the claim (or a newer segment) is in its way, so it cannot
/// acknowledge a push the newer writer would never replay. An opener that finds the end written or claimed by a newer
/// generation is itself stale, and is refused.
/// </para>
/// <para>
/// Opening also checks that the segments from the restore offset on follow each other without a gap: a missing one
/// would make the replay skip acknowledged events silently, so it is refused, naming them. The log remembers, per
/// producer, the last batch sequence it holds, so a retried push is recognised even when it was acknowledged after the
/// last checkpoint, and when it last appended, so that a producer idle for longer than a retention is forgotten
/// (<see cref="ExpireIdleProducers"/>).
/// </para>
/// </summary>
internal sealed class IngestLog(ISegmentStore segments, Serializer serializer, string name = "the ingest log", TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Dictionary<string, long> _lastSeen = []; // per producer, when its last batch was appended (Unix ms)
    private readonly SortedDictionary<long, long> _segments = []; // start offset → event count, of the segments known
    private (long Offset, string ETag)? _claim; // this writer's claim of the end, until its first append replaces it
    private long _generation;

    public long EndOffset { get; private set; }

    /// <summary>Per producer, the highest sequence the log holds (after <see cref="OpenAsync"/>, the whole log's).</summary>
    public Dictionary<string, long> ProducerSequences { get; } = [];

    /// <summary>
    /// Finds the end of the log, reads the segments from <paramref name="fromOffset"/> on, returning their batches (to
    /// replay) and learning their producers' sequences on top of <paramref name="knownSequences"/> (the sequences of the
    /// events before <paramref name="fromOffset"/>, from a checkpoint), and claims the end for the writer of
    /// <paramref name="generation"/>. With <paramref name="learnWholeLog"/> (no checkpoint knows the sequences: a source a
    /// rescale added), the segments before <paramref name="fromOffset"/> that the log still holds are read for their
    /// producers too, and not replayed.
    /// </summary>
    public async Task<IReadOnlyList<PushBatch>> OpenAsync(
        long fromOffset, IReadOnlyDictionary<string, long>? knownSequences, long generation, CancellationToken cancellation, bool learnWholeLog = false)
    {
        _generation = generation;
        while (true)
        {
            var (replay, last) = await ReadAsync(fromOffset, knownSequences, learnWholeLog, cancellation);
            if (last is { Segment.Writer: var writer } && writer > generation)
            {
                throw new IngestLogFencedException(
                    $"{Capitalized} is written by generation {writer}, newer than {generation}: another activation of this source writes to it.");
            }

            try
            {
                var claim = serializer.SerializeToArray(new LogSegment(EndOffset, [], generation));
                var etag = await segments.ClaimAsync(EndOffset, claim, last is { Segment.IsClaim: true } ? last.Value.ETag : null, cancellation);
                _claim = (EndOffset, etag);
                _segments[EndOffset] = 0;
                return replay;
            }
            catch (RequestFailedException e) when (IsConflict(e))
            {
                // Another writer wrote at the end meanwhile: read the log again.
            }
        }
    }

    /// <summary>Where the log ends (its next event's offset), read without claiming anything: the last segment says.</summary>
    public async Task<long> ReadEndAsync(CancellationToken cancellation)
    {
        var starts = await segments.ListAsync(cancellation);
        return starts.Count == 0 ? 0 : starts[^1] + Deserialize(await segments.ReadAsync(starts[^1], cancellation), starts[^1]).EventCount;
    }

    /// <summary>
    /// Whether the log already holds this producer's batch. A producer's sequences are logged consecutively from 1
    /// (the source refuses a gap), so every sequence up to the producer's last one logged is in the log: a retry.
    /// </summary>
    public bool Contains(PushBatch batch) =>
        ProducerSequences.TryGetValue(batch.ProducerId, out var last) && batch.Sequence <= last;

    /// <summary>The producer's last sequence logged, 0 for a producer the log has not seen.</summary>
    public long LastSequenceOf(string producerId) => ProducerSequences.GetValueOrDefault(producerId);

    /// <summary>The log's clock.</summary>
    public DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>
    /// Forgets the producers that appended nothing for longer than <paramref name="retention"/> (a producer known only from
    /// a checkpoint counts from the log's opening); returns them.
    /// </summary>
    public IReadOnlyList<string> ExpireIdleProducers(TimeSpan retention)
    {
        var horizon = (Now - retention).ToUnixTimeMilliseconds();
        var idle = _lastSeen.Where(p => p.Value < horizon).Select(p => p.Key).ToList();
        foreach (var producer in idle)
        {
            _lastSeen.Remove(producer);
            ProducerSequences.Remove(producer);
        }

        return idle;
    }

    /// <summary>Appends <paramref name="batches"/> as one segment; returns its start offset once it is durable.</summary>
    public async Task<long> AppendAsync(IReadOnlyList<PushBatch> batches, CancellationToken cancellation)
    {
        var segment = new LogSegment(EndOffset, batches, _generation, Now.ToUnixTimeMilliseconds());
        try
        {
            var replacing = _claim is { } claim && claim.Offset == segment.StartOffset ? claim.ETag : null;
            await segments.WriteAsync(segment.StartOffset, serializer.SerializeToArray(segment), replacing, cancellation);
            _claim = null;
        }
        catch (RequestFailedException e) when (IsConflict(e))
        {
            throw new IngestLogFencedException(
                $"{Capitalized} was written at offset {segment.StartOffset} by another writer: another activation of this source writes to it.");
        }

        _segments[segment.StartOffset] = segment.EventCount;
        EndOffset += segment.EventCount;
        foreach (var batch in batches)
        {
            Remember(batch, segment.AppendedAt);
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

    private string Capitalized => string.Concat(name[..1].ToUpperInvariant(), name[1..]);

    /// <summary>Reads the log from <paramref name="fromOffset"/> on; returns the batches to replay and the last segment, if any.</summary>
    private async Task<(List<PushBatch> Replay, (LogSegment Segment, string ETag)? Last)> ReadAsync(
        long fromOffset, IReadOnlyDictionary<string, long>? knownSequences, bool learnWholeLog, CancellationToken cancellation)
    {
        ProducerSequences.Clear();
        _lastSeen.Clear();
        var opened = Now.ToUnixTimeMilliseconds();
        foreach (var (producer, sequence) in knownSequences ?? new Dictionary<string, long>())
        {
            ProducerSequences[producer] = sequence;
            _lastSeen[producer] = opened;
        }

        _segments.Clear();
        var replay = new List<PushBatch>();
        var starts = await segments.ListAsync(cancellation);
        EndOffset = 0;
        (LogSegment, string)? last = null;
        var learnFrom = learnWholeLog && starts.Count > 0 ? Math.Min(starts[0], fromOffset) : fromOffset; // read (for producers) from here
        var expected = learnFrom; // where the next segment read must start, at the latest

        // The last segment is always read (where the log ends, who writes it); when it is a claim, the one before it too.
        var tail = starts.Count > 0 ? await segments.ReadAsync(starts[^1], cancellation) : null;
        var readFrom = tail is not null && Deserialize(tail, starts[^1]).IsClaim ? starts.Count - 2 : starts.Count - 1;
        for (var i = 0; i < starts.Count; i++)
        {
            var start = starts[i];
            var next = i < readFrom ? starts[i + 1] : long.MaxValue;
            if (next <= learnFrom)
            {
                _segments[start] = next - start; // wholly before the replay point: its size is known from its neighbour
                continue;
            }

            if (start > expected)
            {
                throw new InvalidOperationException(
                    $"{Capitalized} has no events from offset {expected} to {start}: a segment is missing, so events acknowledged there cannot be replayed.");
            }

            var stored = i == starts.Count - 1 ? tail! : await segments.ReadAsync(start, cancellation);
            var segment = Deserialize(stored, start);
            if (last is not null && start != expected)
            {
                throw new InvalidOperationException($"{Capitalized} has overlapping segments at offset {start} (the one before ends at {expected}).");
            }

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
                    throw new InvalidOperationException($"Offset {fromOffset} falls inside a batch of {name} (at {offset}); checkpoints are taken between batches.");
                }

                Remember(batch, segment.AppendedAt > 0 ? segment.AppendedAt : opened);
                offset += batch.Lines.Length;
            }

            EndOffset = expected = start + segment.EventCount;
            last = (segment, stored.ETag);
        }

        if (fromOffset > EndOffset)
        {
            throw new InvalidOperationException($"{Capitalized} ends at offset {EndOffset}, before the checkpoint's offset {fromOffset}: segments are missing.");
        }

        return (replay, last);
    }

    private LogSegment Deserialize(StoredSegment stored, long start) =>
        serializer.Deserialize<LogSegment>(stored.Content) ?? throw new InvalidOperationException($"{Capitalized} has an empty segment at offset {start}.");

    private static bool IsConflict(RequestFailedException e) => e.Status is 409 or 412;

    private void Remember(PushBatch batch, long appendedAt)
    {
        ProducerSequences[batch.ProducerId] = Math.Max(batch.Sequence, ProducerSequences.GetValueOrDefault(batch.ProducerId));
        _lastSeen[batch.ProducerId] = Math.Max(appendedAt, _lastSeen.GetValueOrDefault(batch.ProducerId));
    }
}
