using System.Diagnostics;
using System.Threading.Channels;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Push;

/// <summary>
/// Pushes lines to a running job's source partitions. The input is cut into batches of up to
/// <see cref="PushSettings.BatchSize"/> consecutive non-blank lines (a blank line ends a batch, so that a batch's
/// <see cref="PushBatch.FirstLine"/> + i is always the input line of its i-th event), and batch k goes to partition
/// k mod P: deterministic for a given input, batch size and parallelism. Each partition has at most one push in
/// flight and one batch waiting, and all partitions push in parallel, so the input is read lazily and a busy job
/// slows the reader down (backpressure). A push that fails is retried with the same producer id and sequence as
/// <see cref="PushRetryPolicy"/> says (the partition's next batch waits meanwhile); the first batch that is
/// rejected, or still fails when its time to retry is up, stops the push.
/// </summary>
internal sealed class EventPusher
{
    private readonly PushSettings _settings;
    private readonly PushRetryPolicy _retry;
    private readonly Action<string>? _note;
    private readonly Partition[] _partitions;
    private long _accepted;
    private long _batches;
    private long _retries;
    private long _duplicates;

    public EventPusher(IGrainFactory grains, PushRoute route, PushSettings settings, Action<string>? note = null)
        : this(route, task => grains.GetGrain<ISourceGrain>(task.GrainKey), settings, note)
    {
    }

    /// <param name="route">Where to push.</param>
    /// <param name="source">The grain of a source partition (tests put a fault-injecting wrapper around it).</param>
    /// <param name="settings">How to push.</param>
    /// <param name="note">Hears, for people, of a partition that retries and of its recovery.</param>
    public EventPusher(PushRoute route, Func<TaskId, ISourceGrain> source, PushSettings settings, Action<string>? note = null)
    {
        if (settings.BatchSize < 1 || settings.BatchSize > route.MaxBatchEvents)
        {
            throw new ClientException(
                $"--batch-size {settings.BatchSize} is not valid for job '{route.Job}': it must be between 1 and {route.MaxBatchEvents}, " +
                "the most events its sources accept per batch (OrleansCheckpoint:Ingest:MaxBatchEvents).");
        }

        _settings = settings;
        _retry = settings.RetryPolicy;
        _note = note;
        _partitions = Enumerable.Range(0, route.Parallelism)
            .Select(p => new Partition(p, source(route.Partition(p)), settings.ProducerId is { } producer ? $"{producer}-{p}" : Guid.NewGuid().ToString("N")))
            .ToArray();
    }

    /// <summary>
    /// Pushes every line of <paramref name="lines"/>; <paramref name="onAccepted"/> hears of each accepted batch
    /// (from several threads). Throws <see cref="PushFailedException"/> when a push fails or is cancelled.
    /// </summary>
    public async Task<PushSummary> PushAsync(IAsyncEnumerable<string> lines, Action<int>? onAccepted, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var failures = new List<(long FirstLine, Exception Error)>();
        var workers = _partitions.Select(p => RunPartitionAsync(p, onAccepted, failures, stop)).ToArray();

        Exception? readFailure = null;
        try
        {
            await DispatchAsync(lines, clock, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // a partition failed, or the user cancelled: handled below
        }
        catch (Exception e)
        {
            readFailure = e; // reading the input failed
            await stop.CancelAsync();
        }
        finally
        {
            foreach (var partition in _partitions)
            {
                partition.Queue.Writer.TryComplete();
            }
        }

        await Task.WhenAll(workers);
        var summary = new PushSummary(
            Interlocked.Read(ref _accepted), Interlocked.Read(ref _batches), Interlocked.Read(ref _retries), Interlocked.Read(ref _duplicates), clock.Elapsed);
        var failure = failures.OrderBy(f => f.FirstLine).Select(f => f.Error).FirstOrDefault()
            ?? readFailure
            ?? (cancellation.IsCancellationRequested ? new OperationCanceledException(cancellation) : null);
        return failure is null ? summary : throw new PushFailedException(failure, summary, _settings.ProducerId);
    }

    private async Task DispatchAsync(IAsyncEnumerable<string> lines, Stopwatch clock, CancellationToken stop)
    {
        var batch = new List<string>(_settings.BatchSize);
        long lineNumber = 0;
        long firstLine = 0;
        long dispatchedEvents = 0;
        long batchIndex = 0;

        async Task DispatchBatchAsync()
        {
            if (_settings.EventsPerSecond is { } rate)
            {
                var due = TimeSpan.FromSeconds(dispatchedEvents / rate) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, stop);
                }
            }

            var partition = _partitions[batchIndex++ % _partitions.Length];
            await partition.Queue.Writer.WriteAsync(new PendingBatch(firstLine, [.. batch]), stop);
            dispatchedEvents += batch.Count;
            batch.Clear();
        }

        await foreach (var line in lines.WithCancellation(stop))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                if (batch.Count > 0)
                {
                    await DispatchBatchAsync();
                }

                continue;
            }

            if (batch.Count == 0)
            {
                firstLine = lineNumber;
            }

            batch.Add(line);
            if (batch.Count == _settings.BatchSize)
            {
                await DispatchBatchAsync();
            }
        }

        if (batch.Count > 0)
        {
            await DispatchBatchAsync();
        }
    }

    private async Task RunPartitionAsync(Partition partition, Action<int>? onAccepted, List<(long, Exception)> failures, CancellationTokenSource stop)
    {
        await Task.Yield();
        try
        {
            await foreach (var pending in partition.Queue.Reader.ReadAllAsync(stop.Token))
            {
                PushResult result;
                var batch = new PushBatch(partition.ProducerId, ++partition.Sequence, pending.FirstLine, pending.Lines);
                try
                {
                    result = await PushWithRetriesAsync(partition, batch, stop.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    lock (failures)
                    {
                        failures.Add((pending.FirstLine, e));
                    }

                    await stop.CancelAsync();
                    return;
                }

                Interlocked.Add(ref _accepted, result.Accepted);
                Interlocked.Increment(ref _batches);
                if (result.Duplicate)
                {
                    Interlocked.Increment(ref _duplicates);
                }

                onAccepted?.Invoke(result.Accepted);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // another partition failed, or the user cancelled: what was queued is not pushed
        }
    }

    /// <summary>Pushes <paramref name="batch"/> until it is acknowledged, retrying it as <see cref="PushRetryPolicy"/> says.</summary>
    private async Task<PushResult> PushWithRetriesAsync(Partition partition, PushBatch batch, CancellationToken stop)
    {
        var retries = 0;
        var result = await _retry.ExecuteAsync(
            () => partition.Source.PushAsync(batch),
            (error, retry) =>
            {
                retries = retry;
                Interlocked.Increment(ref _retries);
                if (retry == 1)
                {
                    _note?.Invoke($"partition {partition.Index}: pushing the batch from line {batch.FirstLine} failed ({ErrorCauses.FirstLine(error.Message)}); " +
                                  $"retrying for up to {Durations.Format(_retry.RetryFor)}…");
                }
            },
            stop); // when the push ends anyway (another batch failed, or Ctrl+C), a failing batch is left out like those queued
        if (retries > 0)
        {
            _note?.Invoke($"partition {partition.Index}: the batch from line {batch.FirstLine} was acknowledged after {retries} {(retries == 1 ? "retry" : "retries")}" +
                          (result.Duplicate ? " (as a duplicate: an earlier attempt had been logged)." : "."));
        }

        return result;
    }

    /// <summary>A batch of consecutive input lines waiting for its partition.</summary>
    private sealed record PendingBatch(long FirstLine, string[] Lines);

    /// <summary>One source partition: its grain, its producer id (one per push and partition, unless the settings name one) and its sequence.</summary>
    private sealed class Partition(int index, ISourceGrain source, string producerId)
    {
        public int Index { get; } = index;

        public ISourceGrain Source { get; } = source;

        public string ProducerId { get; } = producerId;

        public long Sequence { get; set; }

        public Channel<PendingBatch> Queue { get; } = Channel.CreateBounded<PendingBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    }
}
