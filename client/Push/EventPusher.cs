using System.Diagnostics;
using System.Threading.Channels;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Client.Push;

/// <summary>
/// Pushes lines to a running job's source partitions. The input is cut into batches of up to
/// <see cref="PushSettings.BatchSize"/> consecutive non-blank lines (a blank line ends a batch, so that a batch's
/// <see cref="PushBatch.FirstLine"/> + i is always the input line of its i-th event), and batch k goes to partition
/// k mod P: deterministic for a given input, batch size and parallelism. Each partition has at most one push in
/// flight and one batch waiting, and all partitions push in parallel, so the input is read lazily and a busy job
/// slows the reader down (backpressure). The first rejected batch stops the push.
/// </summary>
internal sealed class EventPusher
{
    private readonly PushSettings _settings;
    private readonly Partition[] _partitions;
    private long _accepted;
    private long _batches;

    public EventPusher(IGrainFactory grains, PushRoute route, PushSettings settings)
    {
        if (settings.BatchSize < 1 || settings.BatchSize > route.MaxBatchEvents)
        {
            throw new ClientException(
                $"--batch-size {settings.BatchSize} is not valid for job '{route.Job}': it must be between 1 and {route.MaxBatchEvents}, " +
                "the most events its sources accept per batch (OrleansCheckpoint:Ingest:MaxBatchEvents).");
        }

        _settings = settings;
        _partitions = Enumerable.Range(0, route.Parallelism)
            .Select(p => new Partition(grains.GetGrain<ISourceGrain>(route.Partition(p).GrainKey)))
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
        var summary = new PushSummary(Interlocked.Read(ref _accepted), Interlocked.Read(ref _batches), clock.Elapsed);
        var failure = failures.OrderBy(f => f.FirstLine).Select(f => f.Error).FirstOrDefault()
            ?? readFailure
            ?? (cancellation.IsCancellationRequested ? new OperationCanceledException(cancellation) : null);
        return failure is null ? summary : throw new PushFailedException(failure, summary);
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
                try
                {
                    result = await partition.Source.PushAsync(new PushBatch(partition.ProducerId, ++partition.Sequence, pending.FirstLine, pending.Lines));
                }
                catch (Exception e)
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
                onAccepted?.Invoke(result.Accepted);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // another partition failed, or the user cancelled: what was queued is not pushed
        }
    }

    /// <summary>A batch of consecutive input lines waiting for its partition.</summary>
    private sealed record PendingBatch(long FirstLine, string[] Lines);

    /// <summary>One source partition: its grain, its producer id (one per client run and partition) and its sequence.</summary>
    private sealed class Partition(ISourceGrain source)
    {
        public ISourceGrain Source { get; } = source;

        public string ProducerId { get; } = Guid.NewGuid().ToString("N");

        public long Sequence { get; set; }

        public Channel<PendingBatch> Queue { get; } = Channel.CreateBounded<PendingBatch>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    }
}
