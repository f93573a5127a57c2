namespace OrleansCheckpoint.Messages;

/// <summary>
/// One batch on a channel (one upstream instance → one downstream instance): records, then optionally one
/// control element that follows them (a watermark, a checkpoint barrier, or the end of input). Channels are FIFO: the sender has at most one batch
/// in flight per channel and numbers them, so the receiver can detect a gap or a duplicate.
/// Batches are immutable once sent: within a silo they are passed by reference, never copied.
/// </summary>
[GenerateSerializer, Immutable]
internal abstract class ChannelBatch
{
    /// <summary>The job generation the sender belongs to; batches of an older generation are dropped.</summary>
    [Id(0)]
    public required long Generation { get; init; }

    /// <summary>The index of the sending operator in the job's physical plan.</summary>
    [Id(1)]
    public required int SenderVertex { get; init; }

    /// <summary>The sending instance's partition.</summary>
    [Id(2)]
    public required int SenderPartition { get; init; }

    /// <summary>The batch's number on its channel: 1, 2, 3, … with no gaps.</summary>
    [Id(3)]
    public required long Sequence { get; init; }

    /// <summary>The sender's watermark after the records of this batch, if it advanced.</summary>
    [Id(4)]
    public long? Watermark { get; init; }

    /// <summary>Whether the sender has finished: no batch follows on this channel.</summary>
    [Id(5)]
    public bool EndOfInput { get; init; }

    /// <summary>Checkpoint barrier that follows the records of this batch, if any.</summary>
    [Id(6)]
    public CheckpointBarrier? Barrier { get; init; }

    /// <summary>For a batch entering a source: the push it came from (producer and sequence), recorded in checkpoints for de-duplication.</summary>
    [Id(7)]
    public PushOrigin? Origin { get; init; }

    /// <summary>With <see cref="EndOfInput"/> after a drain: how the sinks downstream commit what is left.</summary>
    [Id(8)]
    public FinalCommit? FinalCommit { get; init; }

    /// <summary>The number of records in the batch.</summary>
    public abstract int Count { get; }
}

/// <summary>A batch of records of type <typeparamref name="T"/>, each with its event timestamp.</summary>
/// <typeparam name="T">The record type.</typeparam>
[GenerateSerializer, Immutable]
internal sealed class ChannelBatch<T> : ChannelBatch
{
    /// <summary>The records, in the order they were emitted.</summary>
    [Id(0)]
    public required StreamRecord<T>[] Records { get; init; }

    /// <inheritdoc />
    public override int Count => Records.Length;
}

/// <summary>A record and its event timestamp (Unix milliseconds; <see cref="long.MinValue"/> when it has none).</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <param name="Value">The record.</param>
/// <param name="Timestamp">Its event timestamp.</param>
[GenerateSerializer, Immutable]
internal readonly record struct StreamRecord<T>([property: Id(0)] T Value, [property: Id(1)] long Timestamp);

/// <summary>The producer and sequence of a pushed batch.</summary>
/// <param name="ProducerId">The producer.</param>
/// <param name="Sequence">The batch's sequence for that producer.</param>
/// <param name="Rejected">Lines of the batch that the source dead-lettered rather than emitted (they still count in its offset).</param>
[GenerateSerializer, Immutable]
internal sealed record PushOrigin([property: Id(0)] string ProducerId, [property: Id(1)] long Sequence, [property: Id(2)] int Rejected = 0);
