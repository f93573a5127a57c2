using System.Diagnostics;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Push;

/// <summary>
/// Pushes an input's lines to a running job with the library's <see cref="IEventProducer"/>: batches of up to
/// <see cref="PushSettings.BatchSize"/> consecutive non-blank lines (a blank line ends a batch, so that a batch's
/// <see cref="PushBatch.FirstLine"/> + i is always the input line of its i-th event; no batch is sent for lingering), and
/// batch k goes to partition k mod P — deterministic for a given input, batch size and parallelism, so a push again under
/// the same producer id numbers every batch as before (<see cref="EventProducerOptions.Replay"/>). The producer's
/// backpressure reads the input lazily; its retries keep every batch once; the first batch that is refused, or still
/// fails when its time to retry is up, stops the push.
/// </summary>
internal sealed class EventPusher
{
    private readonly PushRoute _route;
    private readonly Func<TaskId, ISourceGrain> _source;
    private readonly PushSettings _settings;
    private readonly Action<string>? _note;

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

        _route = route;
        _source = source;
        _settings = settings;
        _note = note;
    }

    /// <summary>
    /// Pushes every line of <paramref name="lines"/>; <paramref name="onAccepted"/> hears of each accepted batch
    /// (from several threads). Throws <see cref="PushFailedException"/> when a push fails or is cancelled.
    /// </summary>
    public async Task<PushSummary> PushAsync(IAsyncEnumerable<string> lines, Action<int>? onAccepted, CancellationToken cancellation)
    {
        var producer = new EventProducer((_, _) => Task.FromResult(_route), _source, new EventProducerOptions
        {
            ProducerId = _settings.ProducerId,
            Replay = true, // one identity per push (or the one given again: then the same batches with the same numbers)
            BatchSize = _settings.BatchSize,
            Linger = Timeout.InfiniteTimeSpan,
            RetryFor = _settings.RetryPolicy.RetryFor,
            Acknowledged = onAccepted,
            Notes = _note,
        });
        var clock = Stopwatch.StartNew();
        PushSummary Summary()
        {
            var (accepted, batches, retries, duplicates) = producer.Statistics;
            return new PushSummary(accepted, batches, retries, duplicates, clock.Elapsed);
        }

        try
        {
            // Consecutive non-blank lines go to the producer a batch at a time (its batches are cut at the same places).
            var chunk = new List<string>(_settings.BatchSize);
            long lineNumber = 0, chunkStart = 0, produced = 0;
            async Task ProduceChunkAsync()
            {
                if (_settings.EventsPerSecond is { } rate && TimeSpan.FromSeconds(produced / rate) - clock.Elapsed is var due && due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellation);
                }

                await producer.ProduceLinesAsync(_route.Job, chunk, chunkStart, cancellation);
                produced += chunk.Count;
                chunk.Clear();
            }

            await foreach (var line in lines.WithCancellation(cancellation))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                if (chunk.Count > 0 && lineNumber != chunkStart + chunk.Count)
                {
                    await ProduceChunkAsync();
                }

                if (chunk.Count == 0)
                {
                    chunkStart = lineNumber;
                }

                chunk.Add(line);
                if (chunk.Count == _settings.BatchSize)
                {
                    await ProduceChunkAsync();
                }
            }

            if (chunk.Count > 0)
            {
                await ProduceChunkAsync();
            }

            await producer.FlushAsync(cancellation);
            return Summary();
        }
        catch (EventProducerException e)
        {
            throw new PushFailedException(e.InnerException!, Summary(), _settings.ProducerId);
        }
        catch (Exception e)
        {
            throw new PushFailedException(e, Summary(), _settings.ProducerId); // the user cancelled, or reading the input failed
        }
        finally
        {
            await producer.AbortAsync(); // after a failure, what was queued is not pushed
        }
    }
}
