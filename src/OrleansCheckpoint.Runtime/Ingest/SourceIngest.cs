using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>
/// The write path of a source partition: a push is parsed (a malformed event rejects it before anything is
/// logged), appended to the ingest log with other pushes that arrived meanwhile (group commit: one segment
/// per round trip, not one per event), and acknowledged once it is durable and queued for processing, in log
/// order. A producer numbers its pushes 1, 2, 3, … (Kafka's idempotent producer does the same): a push numbered at
/// or below the producer's last logged one is a retry, acknowledged as a duplicate without being logged again; one
/// that is not the next number (a gap: a push that overtook an earlier one, or a producer that did not start at 1) is
/// refused with <see cref="PushOutOfOrderException"/>, so that nothing is ever taken for a retry that was not logged.
/// The pushes accepted but not yet durable and queued hold at most <c>maxPendingBytes</c> (of their lines; one push
/// is let in whatever its size when nothing is pending): further pushes wait for room, so many concurrent producers
/// are slowed down, not buffered. After a restore, the log from the checkpoint's offset is replayed before new
/// pushes. Runs on the source grain's scheduler.
/// </summary>
internal sealed class SourceIngest(
    IngestLog log, IPushSourceOperator source, Func<ChannelBatch, CancellationToken, Task> enqueue, long maxSegmentBytes, long maxPendingBytes, TimeSpan? producerRetention = null)
{
    private readonly TimeSpan _producerRetention = producerRetention ?? new Hosting.IngestSettings().ProducerRetention;
    private DateTimeOffset _lastExpiry = DateTimeOffset.MinValue;
    private readonly Queue<Pending> _pending = new();
    private readonly Dictionary<(string Producer, long Sequence), Pending> _inFlight = [];
    private readonly Dictionary<string, long> _lastAccepted = []; // per producer, the last sequence accepted while it is in flight
    private readonly Dictionary<string, long> _resumes = []; // per producer, how often it asked for its sequence (a new incarnation)
    private IReadOnlyList<PushBatch> _replay = [];
    private TaskCompletionSource _signal = NewSignal();
    private TaskCompletionSource _roomFreed = NewSignal();
    private Exception? _failure;
    private Func<Exception>? _closed;
    private Func<Exception>? _suspended;

    public IngestLog Log => log;

    /// <summary>The bytes of the pushes accepted and not yet durable and queued.</summary>
    public long PendingBytes { get; private set; }

    /// <summary>The most <see cref="PendingBytes"/> ever held.</summary>
    public long PeakPendingBytes { get; private set; }

    /// <summary>The sequence of the last push accepted from <paramref name="producerId"/>, logged or still in flight (0 if none).</summary>
    public long LastSequenceOf(string producerId) => Math.Max(_lastAccepted.GetValueOrDefault(producerId), log.LastSequenceOf(producerId));

    /// <summary>Opens the log at <paramref name="offset"/> (0, or a checkpoint's) for the writer of <paramref name="generation"/>, and prepares the replay of what follows it.</summary>
    public async Task OpenAsync(long offset, IReadOnlyDictionary<string, long>? producerSequences, long generation, CancellationToken cancellation, bool learnWholeLog = false) =>
        _replay = await log.OpenAsync(offset, producerSequences, generation, cancellation, learnWholeLog);

    /// <summary>
    /// For a producer that resumes under a kept id: the sequence of its last push that is durable, once its pushes in
    /// flight are; its pushes still waiting for room (sent by an earlier incarnation) are refused from now on, so they
    /// cannot take the numbers the resumed producer goes on with.
    /// </summary>
    public async Task<long> ResumeProducerAsync(string producerId, CancellationToken cancellation)
    {
        _resumes[producerId] = _resumes.GetValueOrDefault(producerId) + 1;
        foreach (var pending in _inFlight.Where(p => p.Key.Producer == producerId).Select(p => p.Value.Done.Task).ToList())
        {
            await pending.WaitAsync(cancellation); // a failed write throws: the caller retries once the job restored its log
        }

        return log.LastSequenceOf(producerId);
    }

    public async Task<PushResult> PushAsync(PushBatch push, long generation, CancellationToken cancellation)
    {
        var bytes = Pending.SizeOf(push);
        var resumes = _resumes.GetValueOrDefault(push.ProducerId);
        while (true)
        {
            if (_resumes.GetValueOrDefault(push.ProducerId) != resumes)
            {
                throw new PushOutOfOrderException(push.ProducerId, push.Sequence, expected: LastSequenceOf(push.ProducerId) + 1); // superseded by a resumed incarnation
            }

            if (_failure is not null)
            {
                throw new StreamJobException($"The ingest log of this source failed: {_failure.Message}");
            }

            if (_closed is not null)
            {
                throw _closed(); // the input ended while this push waited for room
            }

            if (_suspended is not null)
            {
                throw _suspended(); // the job is stopping with a savepoint
            }

            if (_inFlight.TryGetValue((push.ProducerId, push.Sequence), out var original))
            {
                await original.Done.Task.WaitAsync(cancellation);
                return new PushResult(push.Lines.Length, Duplicate: true);
            }

            if (log.Contains(push))
            {
                return new PushResult(push.Lines.Length, Duplicate: true);
            }

            var last = LastSequenceOf(push.ProducerId);
            if (push.Sequence != last + 1)
            {
                throw new PushOutOfOrderException(push.ProducerId, push.Sequence, expected: last + 1);
            }

            if (PendingBytes == 0 || PendingBytes + bytes <= maxPendingBytes)
            {
                break;
            }

            await _roomFreed.Task.WaitAsync(cancellation); // full: wait until pending pushes are durable, then check again
        }

        PendingBytes += bytes;
        PeakPendingBytes = Math.Max(PeakPendingBytes, PendingBytes);
        ChannelBatch parsed;
        try
        {
            parsed = source.Parse(push, generation);
        }
        catch
        {
            Release(bytes);
            throw;
        }

        var pending = new Pending(push, parsed, bytes);
        _lastAccepted[push.ProducerId] = push.Sequence;
        _pending.Enqueue(pending);
        _inFlight[(push.ProducerId, push.Sequence)] = pending;
        _signal.TrySetResult();
        await pending.Done.Task.WaitAsync(cancellation);
        return new PushResult(push.Lines.Length);
    }

    /// <summary>
    /// Takes no more pushes (the input ends): a push still waiting for room is refused with <paramref name="refusal"/>;
    /// <see cref="RunAsync"/> returns once what was accepted before is logged and queued.
    /// </summary>
    public void Close(Func<Exception> refusal)
    {
        _closed = refusal;
        _roomFreed.TrySetResult();
        _signal.TrySetResult();
    }

    /// <summary>
    /// Takes no more pushes for now (a stop with a savepoint): a new push, or one waiting for room, is refused with
    /// <paramref name="refusal"/>; what was accepted is still logged and queued (see <see cref="WhenAcceptedQueuedAsync"/>).
    /// </summary>
    public void Suspend(Func<Exception> refusal)
    {
        _suspended = refusal;
        _roomFreed.TrySetResult();
    }

    /// <summary>Takes pushes again (the stop's savepoint failed: the job goes on).</summary>
    public void Resume() => _suspended = null;

    /// <summary>
    /// Completes once the replay of the log and every push accepted so far are queued: a barrier queued then follows
    /// every acknowledged event, and nothing is left unread in the log after it.
    /// </summary>
    public async Task WhenAcceptedQueuedAsync(CancellationToken cancellation)
    {
        while (_replay.Count > 0 || _pending.Count > 0 || _inFlight.Count > 0)
        {
            if (_failure is not null)
            {
                throw new StreamJobException($"The ingest log of this source failed: {_failure.Message}");
            }

            await Task.Delay(5, cancellation);
        }
    }

    /// <summary>
    /// Replays the log after the restore point, then writes pushes as they come; returns once <see cref="Close"/> was
    /// called and every push accepted before it is logged and queued (after the replay: nothing overtakes it). Throws
    /// when cancelled or a write fails.
    /// </summary>
    public async Task RunAsync(long generation, CancellationToken cancellation)
    {
        foreach (var batch in _replay)
        {
            await enqueue(source.Parse(batch, generation), cancellation);
        }

        _replay = [];
        var group = new List<Pending>();
        try
        {
            while (true)
            {
                if (_pending.Count == 0)
                {
                    if (_closed is not null)
                    {
                        return; // the input ended
                    }

                    _signal = NewSignal();
                    await _signal.Task.WaitAsync(cancellation);
                    continue;
                }

                group.Clear();
                long bytes = 0;
                while (_pending.TryPeek(out var next) && (group.Count == 0 || bytes + next.Bytes <= maxSegmentBytes))
                {
                    group.Add(_pending.Dequeue());
                    bytes += next.Bytes;
                }

                await log.AppendAsync([.. group.Select(p => p.Push)], cancellation);
                foreach (var pending in group)
                {
                    await enqueue(pending.Batch, cancellation);
                    _inFlight.Remove((pending.Push.ProducerId, pending.Push.Sequence));
                    if (_lastAccepted.GetValueOrDefault(pending.Push.ProducerId) == pending.Push.Sequence)
                    {
                        _lastAccepted.Remove(pending.Push.ProducerId); // the log knows it from now on
                    }

                    pending.Done.TrySetResult();
                    Release(pending.Bytes);
                }

                ExpireIdleProducers();
            }
        }
        catch (Exception e)
        {
            // A failed or fenced write leaves the log's tail unknown: refuse further pushes; the job restores
            // from its last checkpoint and replays the log as it really is.
            _failure = e;
            foreach (var pending in group.Concat(_pending))
            {
                pending.Done.TrySetException(e is OperationCanceledException ? e : new StreamJobException($"The push was not logged: {e.Message}"));
            }

            _inFlight.Clear();

            _roomFreed.TrySetResult(); // pushes waiting for room hear of the failure
            throw;
        }
    }

    /// <summary>
    /// Forgets, at most every tenth of the retention (and every minute), the producers idle for longer than it, in the log
    /// and in the source's position (so checkpoints do not carry them either).
    /// </summary>
    private void ExpireIdleProducers()
    {
        var now = log.Now;
        if (now - _lastExpiry < TimeSpan.FromTicks(Math.Min(_producerRetention.Ticks / 10, TimeSpan.TicksPerMinute)))
        {
            return;
        }

        _lastExpiry = now;
        if (log.ExpireIdleProducers(_producerRetention) is { Count: > 0 } idle)
        {
            source.ForgetProducers(idle);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Release(long bytes)
    {
        PendingBytes -= bytes;
        var freed = _roomFreed;
        _roomFreed = NewSignal();
        freed.TrySetResult();
    }

    private sealed class Pending(PushBatch push, ChannelBatch batch, long bytes)
    {
        public PushBatch Push { get; } = push;

        public ChannelBatch Batch { get; } = batch;

        public long Bytes { get; } = bytes;

        public static long SizeOf(PushBatch push) => push.Lines.Sum(l => (long)l.Length);

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
