using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Channels;

/// <summary>Everything a writer needs to know about one output edge of an operator instance.</summary>
internal sealed record ChannelWriterSpec(
    TaskId Sender,
    int SenderVertex,
    long Generation,
    VertexOutput Output,
    int MaxParallelism,
    int BatchSize,
    Func<TaskId, IOperatorGrain> Resolve,
    CancellationToken Cancellation = default);

/// <summary>The control side of a writer, independent of its record type.</summary>
internal interface IChannelWriter
{
    /// <summary>Closes every channel's open batch with the watermark attached.</summary>
    void EmitWatermark(long watermark);

    /// <summary>Closes every channel's open batch with the end-of-input mark attached.</summary>
    void EmitEndOfInput(FinalCommit? finalCommit);

    /// <summary>Closes every channel's open batch with the checkpoint barrier attached.</summary>
    void EmitBarrier(CheckpointBarrier barrier);

    /// <summary>Closes the open batches that hold records (when the input is idle, so nothing waits for a full batch).</summary>
    void FlushPartial();

    /// <summary>Sends every closed batch: in order on each channel, channels in parallel.</summary>
    Task SendAsync();

    /// <summary>Records written into batches so far (the instance's <c>numRecordsOut</c>).</summary>
    long RecordsWritten => 0;

    /// <summary>The uid of the vertex this writer sends to (a producer tells its side outputs' writers by it); null if none.</summary>
    string? DownstreamUid => null;
}

/// <summary>
/// Writes one output edge: partitions records over the downstream instances (forward, by key group,
/// round-robin, or to all of them), collects them into batches of <c>BatchSize</c>, and sends them with an awaited grain call,
/// at most one in flight per channel, each numbered. Awaiting the call is the backpressure. A call that times out
/// (the receiver may be waiting for room longer than Orleans' response timeout) is sent again, the same batch:
/// the receiver drops a batch it already queued and makes a retry of one still waiting wait for it. A receiver that is
/// not deployed for the sender's generation yet (<see cref="InstanceNotReadyException"/>) gets the batch again a little
/// later, until the sender is cancelled. Any other failure fails the sender with a <see cref="ChannelDeliveryException"/>
/// naming the channel (a rollback).
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class RecordWriter<T> : IChannelWriter, IRecordConsumer<T>
{
    private readonly ChannelWriterSpec _spec;
    private readonly OutputChannel[] _channels;
    private readonly Func<T, ulong>? _keyHash;
    private readonly int _downstreamParallelism;
    private int _roundRobin;
    private long _recordsWritten;

    public string? DownstreamUid => _spec.Output.DownstreamUid;

    public RecordWriter(ChannelWriterSpec spec)
    {
        _spec = spec;
        var output = spec.Output;
        _downstreamParallelism = output.DownstreamParallelism;
        var partitions = output.Edge.Partitioning == Partitioning.Forward
            ? [spec.Sender.Partition]
            : Enumerable.Range(0, _downstreamParallelism);
        _channels = partitions
            .Select(p => new TaskId(spec.Sender.Job, output.DownstreamUid, p))
            .Select(task => new OutputChannel(task, spec.Resolve(task), spec.BatchSize))
            .ToArray();
        _keyHash = output.Edge.KeyHash as Func<T, ulong>;
        if (output.Edge.Partitioning == Partitioning.Hash && _keyHash is null)
        {
            throw new InvalidOperationException($"The hash edge into '{output.DownstreamUid}' has no key hash of {typeof(T).Name}.");
        }
    }

    public long RecordsWritten => Volatile.Read(ref _recordsWritten);

    public void Accept(T value, long timestamp)
    {
        if (_spec.Output.Edge.Partitioning == Partitioning.Broadcast)
        {
            foreach (var each in _channels)
            {
                Append(each, value, timestamp);
            }

            return;
        }

        Append(_channels[ChannelOf(value)], value, timestamp);
    }

    private void Append(OutputChannel channel, T value, long timestamp)
    {
        channel.Buffer[channel.Count++] = new StreamRecord<T>(value, timestamp);
        if (channel.Count == _spec.BatchSize)
        {
            Close(channel);
        }
    }

    public void EmitWatermark(long watermark)
    {
        foreach (var channel in _channels)
        {
            Close(channel, watermark: watermark);
        }
    }

    public void EmitEndOfInput(FinalCommit? finalCommit)
    {
        foreach (var channel in _channels)
        {
            Close(channel, endOfInput: true, finalCommit: finalCommit);
        }
    }

    public void EmitBarrier(CheckpointBarrier barrier)
    {
        foreach (var channel in _channels)
        {
            Close(channel, barrier: barrier);
        }
    }

    public void FlushPartial()
    {
        foreach (var channel in _channels)
        {
            if (channel.Count > 0)
            {
                Close(channel);
            }
        }
    }

    public Task SendAsync()
    {
        List<Task>? sends = null;
        foreach (var channel in _channels)
        {
            if (channel.Closed.Count > 0)
            {
                (sends ??= []).Add(SendClosedAsync(channel));
            }
        }

        return sends is null ? Task.CompletedTask : Task.WhenAll(sends);
    }

    private async Task SendClosedAsync(OutputChannel channel)
    {
        while (channel.Closed.TryDequeue(out var batch))
        {
            for (var notReady = 0; ; )
            {
                try
                {
                    await channel.Target.DeliverAsync(batch);
                    break;
                }
                catch (TimeoutException)
                {
                    // No answer in time, not a failure: the receiver may be waiting for room (backpressure). Send it again.
                }
                catch (InstanceNotReadyException)
                {
                    await Task.Delay(NotReadyBackoff(notReady++), _spec.Cancellation);
                }
                catch (Exception e)
                {
                    throw new ChannelDeliveryException(_spec.Sender, channel.Task, batch.Sequence, e);
                }
            }
        }
    }

    /// <summary>10 ms, 20 ms, 40 ms … at most 500 ms: a receiver's deployment usually takes a few milliseconds.</summary>
    private static TimeSpan NotReadyBackoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(10 << Math.Min(attempt, 6), 500));

    private int ChannelOf(T value) => _spec.Output.Edge.Partitioning switch
    {
        Partitioning.Forward => 0,
        Partitioning.Hash => KeyGroups.PartitionOf(KeyGroups.Of(_keyHash!(value), _spec.MaxParallelism), _spec.MaxParallelism, _downstreamParallelism),
        _ => _roundRobin = (_roundRobin + 1) % _channels.Length,
    };

    private void Close(OutputChannel channel, long? watermark = null, CheckpointBarrier? barrier = null, bool endOfInput = false, FinalCommit? finalCommit = null)
    {
        var records = channel.Count == channel.Buffer.Length ? channel.Buffer : channel.Buffer[..channel.Count];
        Volatile.Write(ref _recordsWritten, _recordsWritten + channel.Count); // read by the metrics on other threads
        channel.Closed.Enqueue(new ChannelBatch<T>
        {
            Generation = _spec.Generation,
            SenderVertex = _spec.SenderVertex,
            SenderPartition = _spec.Sender.Partition,
            Sequence = ++channel.Sequence,
            Watermark = watermark,
            Barrier = barrier,
            EndOfInput = endOfInput,
            FinalCommit = finalCommit,
            Records = records,
        });
        channel.Buffer = new StreamRecord<T>[_spec.BatchSize];
        channel.Count = 0;
    }

    private sealed class OutputChannel(TaskId task, IOperatorGrain target, int batchSize)
    {
        public TaskId Task { get; } = task;

        public IOperatorGrain Target { get; } = target;

        public StreamRecord<T>[] Buffer { get; set; } = new StreamRecord<T>[batchSize];

        public int Count { get; set; }

        public long Sequence { get; set; }

        public Queue<ChannelBatch<T>> Closed { get; } = new();
    }
}

/// <summary>A batch could not be delivered on a channel: the sender fails, and the job rolls back.</summary>
[GenerateSerializer]
internal sealed class ChannelDeliveryException : Errors.StreamJobException
{
    public ChannelDeliveryException(TaskId sender, TaskId receiver, long sequence, Exception cause)
        : base($"Delivering batch {sequence} from {sender} to {receiver} failed: {cause.Message}")
    {
    }
}
