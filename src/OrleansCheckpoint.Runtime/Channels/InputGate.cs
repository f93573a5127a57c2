using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Channels;

/// <summary>
/// The input side of an operator instance (Flink's InputGate): one bounded FIFO queue per input channel.
/// A delivery waits while its channel's queue is full, which is how a slow operator slows its senders
/// (credit-based flow control with <c>capacity</c> credits per channel) without blocking the grain:
/// deliveries on other channels still get in. Each channel checks its sequence numbers, so a lost or
/// duplicated batch is detected, and remembers its watermark.
/// All methods run on the grain's single scheduler; nothing here is thread-safe or needs to be.
/// </summary>
internal sealed class InputGate
{
    private readonly InputChannel[] _channels;
    private readonly int _capacity;
    private readonly bool _sequenced;
    private TaskCompletionSource _dataAvailable = NewSignal();
    private TaskCompletionSource _spaceFreed = NewSignal();
    private int _nextChannel;

    /// <param name="channelCount">The number of input channels.</param>
    /// <param name="capacity">Batches queued per channel before its sender waits.</param>
    /// <param name="sequenced">Whether batches carry channel sequence numbers to check (not so for a source's own input).</param>
    public InputGate(int channelCount, int capacity, bool sequenced = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _sequenced = sequenced;
        _channels = Enumerable.Range(0, channelCount).Select(_ => new InputChannel()).ToArray();
    }

    public int ChannelCount => _channels.Length;

    /// <summary>The smallest watermark over the channels that have not ended.</summary>
    public long MinWatermark
    {
        get
        {
            var min = long.MaxValue;
            foreach (var c in _channels)
            {
                if (!c.Ended)
                {
                    min = Math.Min(min, c.Watermark);
                }
            }

            return min;
        }
    }

    public bool AllEnded => _channels.All(c => c.Ended);

    public long ChannelWatermark(int channel) => _channels[channel].Watermark;

    /// <summary>Every channel's watermark, in channel order (for a snapshot).</summary>
    public long[] ChannelWatermarks() => [.. _channels.Select(c => c.Watermark)];

    /// <summary>
    /// Sets the channels' watermarks from a snapshot. Taken with as many channels as now, each gets its own; otherwise
    /// (another parallelism upstream) every channel gets the smallest, which no channel had passed.
    /// </summary>
    public void RestoreWatermarks(long[] watermarks)
    {
        for (var i = 0; i < _channels.Length; i++)
        {
            _channels[i].Watermark = watermarks.Length == _channels.Length ? watermarks[i] : watermarks.DefaultIfEmpty(long.MinValue).Min();
        }
    }

    /// <summary>
    /// Queues <paramref name="batch"/> on <paramref name="channel"/>, waiting while the channel is full.
    /// A batch whose sequence number was already seen is a duplicate and is dropped (returns false) — once the
    /// original is queued, if it still waits for room (a sender that timed out retries the same batch, and must not
    /// send the next one before it is in); a gap means a batch was lost, which is a failure of the channel.
    /// </summary>
    public async Task<bool> EnqueueAsync(int channel, ChannelBatch batch, CancellationToken cancellation)
    {
        var c = _channels[channel];
        if (_sequenced)
        {
            if (batch.Sequence <= c.LastSequence)
            {
                if (c.Waiting is { } waiting && waiting.Sequence == batch.Sequence)
                {
                    await waiting.Queued.Task.WaitAsync(cancellation);
                }

                return false;
            }

            if (batch.Sequence != c.LastSequence + 1)
            {
                throw new ChannelSequenceException(channel, c.LastSequence + 1, batch.Sequence);
            }

            c.LastSequence = batch.Sequence;
        }

        if (c.Queue.Count >= _capacity)
        {
            (long Sequence, TaskCompletionSource Queued) waiting = (batch.Sequence, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            c.Waiting = waiting;
            try
            {
                while (c.Queue.Count >= _capacity)
                {
                    await _spaceFreed.Task.WaitAsync(cancellation);
                }
            }
            catch (Exception e)
            {
                waiting.Queued.TrySetException(e);
                throw;
            }
            finally
            {
                c.Waiting = null;
            }

            c.Queue.Enqueue(batch);
            waiting.Queued.TrySetResult();
        }
        else
        {
            c.Queue.Enqueue(batch);
        }

        _dataAvailable.TrySetResult();
        return true;
    }

    /// <summary>
    /// Queues a control batch without waiting for room (a source's barrier: it must not wait behind a full
    /// queue, and it still follows everything queued before it).
    /// </summary>
    public void EnqueueControl(int channel, ChannelBatch batch)
    {
        var c = _channels[channel];
        c.Queue.Enqueue(batch);
        _dataAvailable.TrySetResult();
    }

    /// <summary>Holds back (or releases) a channel: <see cref="TryTake"/> skips it; its queue fills and its sender waits.</summary>
    public void SetBlocked(int channel, bool blocked)
    {
        var c = _channels[channel];
        if (c.Blocked && !blocked)
        {
            _dataAvailable.TrySetResult();
        }

        c.Blocked = blocked;
    }

    /// <summary>Takes the next batch of a channel that is not held back, visiting channels round-robin so none starves.</summary>
    public bool TryTake(out int channel, out ChannelBatch batch)
    {
        for (var i = 0; i < _channels.Length; i++)
        {
            var index = (_nextChannel + i) % _channels.Length;
            if (!_channels[index].Blocked && _channels[index].Queue.TryDequeue(out var next))
            {
                _nextChannel = index + 1;
                channel = index;
                batch = next;
                var freed = _spaceFreed;
                _spaceFreed = NewSignal();
                freed.TrySetResult();
                return true;
            }
        }

        channel = -1;
        batch = null!;
        if (_dataAvailable.Task.IsCompleted)
        {
            _dataAvailable = NewSignal();
        }

        return false;
    }

    /// <summary>Completes when a batch may be available (after a <see cref="TryTake"/> that found none).</summary>
    public Task WaitForDataAsync(CancellationToken cancellation) => _dataAvailable.Task.WaitAsync(cancellation);

    /// <summary>Records a channel's new watermark (watermarks never go back).</summary>
    public void SetWatermark(int channel, long watermark)
    {
        var c = _channels[channel];
        c.Watermark = Math.Max(c.Watermark, watermark);
    }

    public void MarkEnded(int channel) => _channels[channel].Ended = true;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class InputChannel
    {
        public Queue<ChannelBatch> Queue { get; } = new();

        public long LastSequence { get; set; }

        public long Watermark { get; set; } = long.MinValue;

        public bool Ended { get; set; }

        public bool Blocked { get; set; }

        /// <summary>The batch that waits for room, if any, and its completion once queued.</summary>
        public (long Sequence, TaskCompletionSource Queued)? Waiting { get; set; }
    }
}

/// <summary>A batch arrived out of sequence on a channel: a batch was lost in between. Travels back to the sender, so it is serializable.</summary>
[GenerateSerializer]
internal sealed class ChannelSequenceException : Errors.StreamJobException
{
    public ChannelSequenceException(int channel, long expected, long actual)
        : base($"Input channel {channel} expected batch {expected} but received batch {actual}: a batch was lost.")
    {
    }
}
