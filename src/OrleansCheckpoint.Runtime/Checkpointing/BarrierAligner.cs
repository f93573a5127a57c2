using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>What a barrier (or the end of a channel) means for the instance.</summary>
internal enum AlignmentOutcome
{
    /// <summary>More channels owe the barrier; exactly-once holds this channel back meanwhile.</summary>
    Waiting,

    /// <summary>Every channel delivered the barrier: snapshot now and forward it.</summary>
    Aligned,

    /// <summary>A barrier of a checkpoint that was already taken, aborted or superseded: ignore it.</summary>
    Stale,
}

/// <summary>
/// Tracks the barriers of one checkpoint across an instance's input channels. In exactly-once mode the
/// channels that delivered the current barrier are blocked (the input gate skips them, and their bounded
/// queues push back on their senders); the others keep flowing, so alignment never waits on a call that
/// cannot arrive. A newer barrier, or an abort, cancels the alignment in progress.
/// </summary>
internal sealed class BarrierAligner(int channelCount)
{
    private readonly bool[] _received = new bool[channelCount];
    private readonly bool[] _ended = new bool[channelCount];
    private long _finishedUpTo;
    private long _alignmentStartTicks;

    /// <summary>The checkpoint being aligned, if any.</summary>
    public CheckpointBarrier? Current { get; private set; }

    /// <summary>The checkpoint whose alignment the last <see cref="OnBarrier"/> cancelled, if any.</summary>
    public long? Cancelled { get; private set; }

    /// <summary>Milliseconds from the first barrier of the last aligned checkpoint to its last.</summary>
    public double LastAlignmentMs { get; private set; }

    /// <summary>Whether <paramref name="channel"/> is held back.</summary>
    public bool IsBlocked(int channel) => Current is { Mode: CheckpointMode.ExactlyOnce } && _received[channel];

    public AlignmentOutcome OnBarrier(int channel, CheckpointBarrier barrier)
    {
        Cancelled = null;
        if (barrier.CheckpointId <= _finishedUpTo || (Current is not null && barrier.CheckpointId < Current.CheckpointId))
        {
            return AlignmentOutcome.Stale;
        }

        if (Current is null || barrier.CheckpointId > Current.CheckpointId)
        {
            Cancelled = Current?.CheckpointId;
            Array.Clear(_received);
            Current = barrier;
            _alignmentStartTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        _received[channel] = true;
        return TryComplete();
    }

    /// <summary>A channel ended: it owes no barrier any more.</summary>
    public AlignmentOutcome OnChannelEnded(int channel)
    {
        _ended[channel] = true;
        return Current is null ? AlignmentOutcome.Stale : TryComplete();
    }

    /// <summary>The checkpoint was aborted: stop aligning it (and ignore its later barriers).</summary>
    public bool Abort(long checkpointId)
    {
        _finishedUpTo = Math.Max(_finishedUpTo, checkpointId);
        if (Current is null || Current.CheckpointId > checkpointId)
        {
            return false;
        }

        Current = null;
        Array.Clear(_received);
        return true;
    }

    private AlignmentOutcome TryComplete()
    {
        for (var i = 0; i < _received.Length; i++)
        {
            if (!_received[i] && !_ended[i])
            {
                return AlignmentOutcome.Waiting;
            }
        }

        LastAlignmentMs = System.Diagnostics.Stopwatch.GetElapsedTime(_alignmentStartTicks).TotalMilliseconds;
        _finishedUpTo = Current!.CheckpointId;
        Current = null;
        Array.Clear(_received);
        return AlignmentOutcome.Aligned;
    }
}
