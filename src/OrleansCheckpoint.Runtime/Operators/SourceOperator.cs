using System.Runtime.CompilerServices;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Sources;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>The side of a source that the instance's loop and checkpoints see, independent of its record type and of where its input comes from.</summary>
internal interface ISourceOperator
{
    /// <summary>The position reached: events processed, and per producer the last batch sequence processed.</summary>
    SourceState Position { get; }

    /// <summary>Events processed: the offset in the source's input.</summary>
    long Offset { get; }

    /// <summary>The partition's watermark after the records processed so far, if it advanced since the last call.</summary>
    bool TryAdvanceWatermark(out long watermark);
}

/// <summary>A source fed by client pushes through the durable ingest log.</summary>
internal interface IPushSourceOperator : ISourceOperator
{
    /// <summary>Parses a pushed batch into records with timestamps; a malformed line rejects the whole batch.</summary>
    ChannelBatch Parse(PushBatch push, long generation);

    /// <summary>Drops the producers the ingest log forgot (idle for longer than its retention) from the position.</summary>
    void ForgetProducers(IReadOnlyCollection<string> producers);

    /// <summary>The lines of <paramref name="batch"/> (made by <see cref="Parse"/>) that the source dead-letters instead of emitting.</summary>
    IReadOnlyList<DeadLetter> LettersOf(ChannelBatch batch);

    /// <summary>Where the source's dead letters go (<c>container/prefix</c>; null: the default location).</summary>
    string? DeadLetterLocation { get; }
}

/// <summary>
/// What every source partition does with the records it emits: counts them (its offset, the whole of its
/// checkpointed position besides the watermark), tracks the largest event timestamp, and generates watermarks
/// that trail it by the out-of-orderness bound.
/// </summary>
internal abstract class SourceOperatorBase<T>(Transformation source, WatermarkStrategy<T>? watermarks) : OneInputOperator<T, T>(source), ISourceOperator
{
    private readonly Func<T, DateTimeOffset>? _timestamp = watermarks?.Timestamp;
    private readonly long _outOfOrdernessMs = (long)(watermarks?.OutOfOrderness.TotalMilliseconds ?? 0);
    private long _maxTimestamp = long.MinValue;
    private long _emittedWatermark = long.MinValue;
    private long _offset;

    public long Offset => _offset;

    public SourceState Position => new(_offset, _maxTimestamp, _emittedWatermark, ProducerSequences(), DeadLetterCount);

    // The watermark is the instance's (shown beside it).
    public override string DescribeState()
    {
        var producers = ProducerSequences().Count;
        var plural = producers == 1 ? string.Empty : "s";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"offset {_offset}, {producers} producer{plural}");
    }

    public override void Accept(T value, long timestamp)
    {
        _offset++;
        if (timestamp > _maxTimestamp)
        {
            _maxTimestamp = timestamp;
        }

        Output.Accept(value, timestamp);
    }

    public override object SnapshotState(long checkpointId) => Position;

    public override void RestoreState(object state)
    {
        var source = (SourceState)state;
        (_offset, _maxTimestamp, _emittedWatermark) = (source.Offset, source.MaxTimestamp, source.EmittedWatermark);
        RestoreProducerSequences(source.ProducerSequences);
    }

    public bool TryAdvanceWatermark(out long watermark)
    {
        watermark = _maxTimestamp == long.MinValue ? long.MinValue : _maxTimestamp - _outOfOrdernessMs - 1;
        if (_timestamp is null || watermark <= _emittedWatermark)
        {
            return false;
        }

        _emittedWatermark = watermark;
        return true;
    }

    /// <summary>The event timestamp of a record (Unix milliseconds), or <see cref="long.MinValue"/> without a watermark strategy.</summary>
    protected long TimestampOf(T value) => _timestamp is null ? long.MinValue : _timestamp(value).ToUnixTimeMilliseconds();

    /// <summary>The records dead-lettered up to the position (0 for a source that dead-letters none).</summary>
    protected virtual long DeadLetterCount => 0;

    /// <summary>Counts <paramref name="count"/> input records that were dead-lettered rather than emitted in the offset.</summary>
    protected void SkipRejected(int count) => _offset += count;

    /// <summary>A copy of the producers' last sequences, for the position (none for a source without producers).</summary>
    protected virtual Dictionary<string, long> ProducerSequences() => [];

    protected virtual void RestoreProducerSequences(IReadOnlyDictionary<string, long> sequences)
    {
    }
}

/// <summary>
/// A source partition fed by pushes: parses pushed lines and assigns event timestamps, and records the last
/// sequence of each producer among the events it emitted (for de-duplication after a restore). A source that reads an
/// Orleans stream (its events arrive as pushes too) does not refuse a batch with a line its parse function rejects: the
/// line is logged with the batch, and dead-lettered (<see cref="LettersOf"/>) instead of emitted, counted in the position.
/// </summary>
internal sealed class SourceOperator<T>(SourceTransformation<T> source) : SourceOperatorBase<T>(source, source.Watermarks), IPushSourceOperator
{
    private const int MaxReportedErrors = 20;
    private readonly Dictionary<string, long> _producerSequences = [];
    private readonly ConditionalWeakTable<ChannelBatch, IReadOnlyList<DeadLetter>> _letters = [];
    private long _deadLetters;

    public string? DeadLetterLocation => source.Subscription?.DeadLetters;

    public IReadOnlyList<DeadLetter> LettersOf(ChannelBatch batch) => _letters.TryGetValue(batch, out var letters) ? letters : [];

    public ChannelBatch Parse(PushBatch push, long generation)
    {
        if (source.Subscription is not null)
        {
            return ParseDeadLettering(push, generation);
        }

        var records = new StreamRecord<T>[push.Lines.Length];
        List<EventError>? errors = null;
        for (var i = 0; i < records.Length; i++)
        {
            try
            {
                var value = source.Parse(push.Lines[i]);
                records[i] = new StreamRecord<T>(value, TimestampOf(value));
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
            {
                errors ??= [];
                if (errors.Count < MaxReportedErrors)
                {
                    errors.Add(new EventError(push.FirstLine + i, e.Message));
                }
            }
        }

        if (errors is not null)
        {
            throw new InvalidEventsException(Context.Task.Job, errors);
        }

        return new ChannelBatch<T>
        {
            Generation = generation, SenderVertex = -1, SenderPartition = 0, Sequence = 0, Records = records, Origin = new PushOrigin(push.ProducerId, push.Sequence),
        };
    }

    public override void ProcessBatch(ChannelBatch batch)
    {
        if (batch.Origin is { } origin)
        {
            _producerSequences[origin.ProducerId] = origin.Sequence;
            if (origin.Rejected > 0)
            {
                SkipRejected(origin.Rejected);
                _deadLetters += origin.Rejected;
                Context.Counters.DeadLetters = _deadLetters;
            }
        }

        base.ProcessBatch(batch);
    }

    public void ForgetProducers(IReadOnlyCollection<string> producers)
    {
        foreach (var producer in producers)
        {
            _producerSequences.Remove(producer);
        }
    }

    protected override Dictionary<string, long> ProducerSequences() => new(_producerSequences);

    protected override long DeadLetterCount => _deadLetters;

    public override void RestoreState(object state)
    {
        base.RestoreState(state);
        _deadLetters = ((SourceState)state).DeadLetters;
        Context.Counters.DeadLetters = _deadLetters;
    }

    /// <summary>Parses a batch of a stream source: the lines the parse function rejects become dead letters (origin: the producer; position: the line's number).</summary>
    private ChannelBatch<T> ParseDeadLettering(PushBatch push, long generation)
    {
        var records = new List<StreamRecord<T>>(push.Lines.Length);
        List<DeadLetter>? letters = null;
        for (var i = 0; i < push.Lines.Length; i++)
        {
            try
            {
                var value = source.Parse(push.Lines[i]);
                records.Add(new StreamRecord<T>(value, TimestampOf(value)));
            }
            catch (Exception e) when (DeadLetter.Rejects(e))
            {
                (letters ??= []).Add(new DeadLetter(push.ProducerId, push.FirstLine + i, push.Lines[i], DeadLetter.ErrorOf(e)));
            }
        }

        var batch = new ChannelBatch<T>
        {
            Generation = generation, SenderVertex = -1, SenderPartition = 0, Sequence = 0, Records = [.. records],
            Origin = new PushOrigin(push.ProducerId, push.Sequence, letters?.Count ?? 0),
        };
        if (letters is not null)
        {
            _letters.Add(batch, letters);
        }

        return batch;
    }

    protected override void RestoreProducerSequences(IReadOnlyDictionary<string, long> sequences)
    {
        _producerSequences.Clear();
        foreach (var (producer, sequence) in sequences)
        {
            _producerSequences[producer] = sequence;
        }
    }
}

/// <summary>A source partition's position: how many events it has emitted, and its watermark.</summary>
/// <param name="Offset">Events emitted by this partition: its offset in its ingest log, or in its generated sequence.</param>
/// <param name="MaxTimestamp">The largest event timestamp seen.</param>
/// <param name="EmittedWatermark">The last watermark sent downstream.</param>
/// <param name="ProducerSequences">Per producer, the last batch sequence among the emitted events (retries of them are duplicates).</param>
/// <param name="DeadLetters">Input records dead-lettered up to the offset (included in it).</param>
[GenerateSerializer, Immutable]
internal sealed record SourceState(
    [property: Id(0)] long Offset,
    [property: Id(1)] long MaxTimestamp,
    [property: Id(2)] long EmittedWatermark,
    [property: Id(3)] Dictionary<string, long> ProducerSequences,
    [property: Id(4)] long DeadLetters = 0);
