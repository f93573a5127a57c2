using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Client;

/// <summary>
/// A producer's pushes to one job. Records are appended to the open batch, which is sent when it is full, when the
/// input's line numbers jump, when it has lingered, or on a flush; batch k goes to partition k mod P. Each partition has
/// one push in flight and one batch waiting, and pushes in parallel with the others, so appending waits while the job is
/// busy. A push that fails is retried with the same producer id and sequence as <see cref="PushRetryPolicy"/> says (the
/// partition's next batch waits meanwhile); the first batch that is refused, or still fails when its time to retry is
/// up, stops the producer's pushes to the job: every later call throws <see cref="EventProducerException"/>.
/// </summary>
internal sealed class JobProducer
{
    private readonly PushRoute _route;
    private readonly EventProducerOptions _options;
    private readonly ProducerCounters _counters;
    private readonly string _producerId;
    private readonly PushRetryPolicy _retry;
    private readonly Partition[] _partitions;
    private readonly Task[] _workers;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _append = new(1, 1);
    private readonly List<(long FirstLine, Exception Error)> _failures = [];
    private volatile bool _failed; // set with the first failure: appends check it without the lock
    private readonly List<string> _batch = [];
    private long _firstLine;
    private long _nextLine = 1;
    private long _batchesSent;
    private long _batchVersion;

    public JobProducer(PushRoute route, Func<TaskId, ISourceGrain> source, string producerId, EventProducerOptions options, ProducerCounters counters)
    {
        _route = route;
        _options = options;
        _counters = counters;
        _producerId = producerId;
        _retry = new PushRetryPolicy(options.RetryFor);
        _partitions = [.. Enumerable.Range(0, route.Parallelism).Select(p => new Partition(p, source(route.Partition(p)), $"{producerId}-{p}"))];
        _workers = [.. _partitions.Select(RunPartitionAsync)];
    }

    public async Task AppendAsync(string line, long? lineNumber, CancellationToken cancellation)
    {
        ThrowIfFailedFast();
        await _append.WaitAsync(cancellation);
        try
        {
            await AppendOneAsync(line, lineNumber, cancellation);
        }
        finally
        {
            _append.Release();
        }
    }

    /// <summary>
    /// Appends consecutive input lines numbered from <paramref name="firstLineNumber"/> under one hold of the lock (for
    /// <c>client push</c>: the same batches as one line at a time, without the per-line lock). A cancellation may leave
    /// the lines before it appended.
    /// </summary>
    public async Task AppendAllAsync(IReadOnlyList<string> lines, long firstLineNumber, CancellationToken cancellation)
    {
        ThrowIfFailedFast();
        await _append.WaitAsync(cancellation);
        try
        {
            for (var i = 0; i < lines.Count; i++)
            {
                await AppendOneAsync(lines[i], firstLineNumber + i, cancellation);
            }
        }
        finally
        {
            _append.Release();
        }
    }

    /// <summary>Appends one line, holding the lock; sends the batch when the numbers jump or it is full.</summary>
    private async ValueTask AppendOneAsync(string line, long? lineNumber, CancellationToken cancellation)
    {
        var number = lineNumber ?? _nextLine;
        if (_batch.Count > 0 && number != _firstLine + _batch.Count)
        {
            await SendBatchAsync(cancellation);
        }

        if (_batch.Count == 0)
        {
            _firstLine = number;
            StartLinger(_batchVersion);
        }

        var nextLine = _nextLine;
        _batch.Add(line);
        _nextLine = number + 1;
        if (_batch.Count >= _options.BatchSize)
        {
            try
            {
                await SendBatchAsync(cancellation);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // the caller hears "not produced": take the record out again (the batch stays open, and not over full)
                _batch.RemoveAt(_batch.Count - 1);
                _nextLine = nextLine;
                throw;
            }
        }
    }

    public async Task FlushAsync(CancellationToken cancellation)
    {
        ThrowIfFailed();
        Task[] last;
        await _append.WaitAsync(cancellation);
        try
        {
            if (_batch.Count > 0)
            {
                await SendBatchAsync(cancellation);
            }

            last = [.. _partitions.Select(p => p.LastSent)];
        }
        finally
        {
            _append.Release();
        }

        try
        {
            await Task.WhenAll(last).WaitAsync(cancellation);
        }
        catch (Exception) when (!cancellation.IsCancellationRequested)
        {
            // a batch failed, or the producer stopped: the reason is below
        }

        ThrowIfFailed();
        if (last.Any(t => !t.IsCompletedSuccessfully))
        {
            throw new ObjectDisposedException(nameof(IEventProducer), "The producer was stopped before its records were acknowledged.");
        }
    }

    /// <summary>Stops pushing: batches not acknowledged yet are given up.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    /// <summary>Hands the open batch to its partition (waiting for room); it stays open if the wait is cancelled.</summary>
    private async Task SendBatchAsync(CancellationToken cancellation)
    {
        var partition = _partitions[_batchesSent % _partitions.Length];
        var pending = new PendingBatch(_firstLine, [.. _batch]);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stop.Token);
        try
        {
            await partition.Queue.Writer.WriteAsync(pending, either.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException && !cancellation.IsCancellationRequested)
        {
            ThrowIfFailed();
            throw new ObjectDisposedException(nameof(IEventProducer), "The producer was stopped.");
        }

        partition.LastSent = pending.Done.Task;
        _batchesSent++;
        _batchVersion++;
        _batch.Clear();
    }

    /// <summary>Sends the batch of <paramref name="version"/> once it has lingered, if it is still open then.</summary>
    private void StartLinger(long version)
    {
        if (_options.Linger == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(_options.Linger, _stop.Token);
                await _append.WaitAsync(_stop.Token);
                try
                {
                    if (_batchVersion == version && _batch.Count > 0 && !_failed)
                    {
                        await SendBatchAsync(_stop.Token);
                    }
                }
                finally
                {
                    _append.Release();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or EventProducerException)
            {
                // stopped or failed: whoever produces or flushes next hears of it
            }
        });
    }

    private void ThrowIfFailedFast()
    {
        if (_failed)
        {
            ThrowIfFailed();
        }
    }

    private void ThrowIfFailed()
    {
        lock (_failures)
        {
            if (_failures.Count > 0)
            {
                var (_, error) = _failures.MinBy(f => f.FirstLine);
                throw new EventProducerException(_route.Job, error, _counters.Snapshot(), _producerId);
            }
        }
    }

    private async Task RunPartitionAsync(Partition partition)
    {
        await Task.Yield();
        try
        {
            await foreach (var pending in partition.Queue.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    if (partition.Sequence is null)
                    {
                        partition.Sequence = _options.Replay
                            ? 0
                            : await _retry.ExecuteAsync(() => partition.Source.GetProducerSequenceAsync(partition.ProducerId), null, _stop.Token);
                    }

                    var batch = new PushBatch(partition.ProducerId, partition.Sequence.Value + 1, pending.FirstLine, pending.Lines);
                    var result = await PushWithRetriesAsync(partition, batch);
                    partition.Sequence = batch.Sequence;
                    Interlocked.Add(ref _counters.Accepted, result.Accepted);
                    Interlocked.Increment(ref _counters.Batches);
                    if (result.Duplicate)
                    {
                        Interlocked.Increment(ref _counters.Duplicates);
                    }

                    try
                    {
                        _options.Acknowledged?.Invoke(result.Accepted);
                    }
                    catch (Exception listener)
                    {
                        _options.Logger?.LogWarning(listener, "Job {Job}: the Acknowledged listener failed", _route.Job); // the batch is logged all the same
                    }

                    pending.Done.TrySetResult();
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    pending.Done.TrySetCanceled(_stop.Token); // in flight (or retrying) when the producer stopped: a flush waiting for it ends
                    throw;
                }
                catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
                {
                    lock (_failures)
                    {
                        _failures.Add((pending.FirstLine, e));
                        _failed = true;
                    }

                    pending.Done.TrySetException(e);
                    await _stop.CancelAsync();
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // another partition failed, or the producer stopped: what was queued is not pushed
        }

        partition.Queue.Writer.TryComplete();
        while (partition.Queue.Reader.TryRead(out var left))
        {
            left.Done.TrySetCanceled(_stop.Token);
        }
    }

    /// <summary>Pushes <paramref name="batch"/> until it is acknowledged, retrying it as <see cref="PushRetryPolicy"/> says.</summary>
    private async Task<PushResult> PushWithRetriesAsync(Partition partition, PushBatch batch)
    {
        var retries = 0;
        var result = await _retry.ExecuteAsync(
            () => partition.Source.PushAsync(batch),
            (error, retry) =>
            {
                retries = retry;
                Interlocked.Increment(ref _counters.Retries);
                if (retry == 1)
                {
                    Note($"partition {partition.Index}: pushing the batch from line {batch.FirstLine} failed ({Errors.ExceptionCauses.FirstLine(error.Message)}); " +
                         $"retrying for up to {DurationText.Format(_retry.RetryFor)}…");
                }
            },
            _stop.Token); // when the producer stops anyway (another batch failed, or it was disposed), a failing batch is left out like those queued
        if (retries > 0)
        {
            Note($"partition {partition.Index}: the batch from line {batch.FirstLine} was acknowledged after {retries} {(retries == 1 ? "retry" : "retries")}" +
                 (result.Duplicate ? " (as a duplicate: an earlier attempt had been logged)." : "."));
        }

        return result;
    }

    private void Note(string note)
    {
        _options.Notes?.Invoke(note);
        _options.Logger?.LogWarning("Job {Job}, {Note}", _route.Job, note);
    }

    /// <summary>A batch of consecutive records waiting for its partition; <see cref="Done"/> ends when it is acknowledged.</summary>
    private sealed record PendingBatch(long FirstLine, string[] Lines)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One source partition: its grain, the producer's id for it and the sequence of its last acknowledged batch.</summary>
    private sealed class Partition(int index, ISourceGrain source, string producerId)
    {
        public int Index { get; } = index;

        public ISourceGrain Source { get; } = source;

        public string ProducerId { get; } = producerId;

        /// <summary>The last batch's sequence (null until asked: the partition may know the producer from before).</summary>
        public long? Sequence { get; set; }

        public Task LastSent { get; set; } = Task.CompletedTask;

        public Channel<PendingBatch> Queue { get; } = Channel.CreateBounded<PendingBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    }
}
