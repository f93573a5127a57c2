using System.Collections.Concurrent;
using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Client;

/// <summary>
/// The <see cref="IEventProducer"/>: one <see cref="JobProducer"/> per job it pushes to, made at the job's first record
/// (when it learns the job's push route).
/// </summary>
internal sealed class EventProducer : IEventProducer
{
    private readonly Func<string, CancellationToken, Task<PushRoute>> _route;
    private readonly Func<TaskId, ISourceGrain> _source;
    private readonly EventProducerOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<Task<JobProducer>>> _jobs = new();
    private readonly ProducerCounters _counters = new();
    private readonly JsonSerializerOptions _json;

    public EventProducer(IClusterClient cluster, EventProducerOptions options)
        : this(RouteOf(cluster, options), task => cluster.GetGrain<ISourceGrain>(task.GrainKey), options)
    {
    }

    /// <param name="route">The push route of a job.</param>
    /// <param name="source">The grain of a source partition (tests put a fault-injecting wrapper around it).</param>
    /// <param name="options">How to push.</param>
    public EventProducer(Func<string, CancellationToken, Task<PushRoute>> route, Func<TaskId, ISourceGrain> source, EventProducerOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options.BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RetryFor, TimeSpan.Zero, nameof(options.RetryFor));
        if (options.Linger != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(options.Linger, TimeSpan.Zero, nameof(options.Linger));
            if (options.Replay)
            {
                throw new ArgumentException(
                    "Replay numbers batches as an earlier run did, so their contents must be the same: set Linger to Timeout.InfiniteTimeSpan (batches cut by size and flushes only).",
                    nameof(options));
            }
        }

        _route = route;
        _source = source;
        _options = options;
        _json = options.SerializerOptions ?? JsonLines.DefaultOptions;
        ProducerId = options.ProducerId is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
    }

    public string ProducerId { get; }

    public ProducerStatistics Statistics => _counters.Snapshot();

    public ValueTask ProduceAsync<T>(string job, T record, CancellationToken cancellation = default) =>
        ProduceLineAsync(job, JsonSerializer.Serialize(record, _json), cancellation);

    public ValueTask ProduceLineAsync(string job, string line, CancellationToken cancellation = default) =>
        ProduceLineAsync(job, line, lineNumber: null, cancellation);

    /// <summary>
    /// For <c>client push</c>: <paramref name="lineNumber"/> is the line's number in the input, and a batch ends where
    /// the numbers jump (a blank line), so that a batch's first line number + i is always the input line of its i-th event.
    /// </summary>
    internal ValueTask ProduceLineAsync(string job, string line, long? lineNumber, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job);
        ArgumentException.ThrowIfNullOrWhiteSpace(line);
        if (line.AsSpan().ContainsAny('\n', '\r'))
        {
            throw new ArgumentException("An event is one line: it must not contain a line break.", nameof(line));
        }

        // Per record: no allocation unless a batch is sent (a job's producer, once made, is looked up without awaiting).
        return _jobs.TryGetValue(job, out var made) && made.IsValueCreated && made.Value.IsCompletedSuccessfully
            ? new ValueTask(made.Value.Result.AppendAsync(line, lineNumber, cancellation))
            : FirstRecordAsync(job, line, lineNumber, cancellation);
    }

    /// <summary>For <c>client push</c>: consecutive input lines numbered from <paramref name="firstLineNumber"/>, appended under one lock.</summary>
    internal async ValueTask ProduceLinesAsync(string job, IReadOnlyList<string> lines, long firstLineNumber, CancellationToken cancellation)
    {
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line) || line.AsSpan().ContainsAny('\n', '\r'))
            {
                throw new ArgumentException("An event is one line, not blank and without a line break.", nameof(lines));
            }
        }

        var producer = await JobAsync(job, cancellation);
        await producer.AppendAllAsync(lines, firstLineNumber, cancellation);
    }

    private async ValueTask FirstRecordAsync(string job, string line, long? lineNumber, CancellationToken cancellation)
    {
        var producer = await JobAsync(job, cancellation);
        await producer.AppendAsync(line, lineNumber, cancellation);
    }

    public async Task FlushAsync(CancellationToken cancellation = default)
    {
        // A job whose producer is not made (yet, or its route failed) holds no record whose ProduceAsync returned.
        foreach (var job in _jobs.Values.Where(j => j.IsValueCreated && j.Value.IsCompletedSuccessfully))
        {
            await job.Value.Result.FlushAsync(cancellation);
        }
    }

    /// <summary>Gives up: what is batched or in flight is not pushed (any more); for a push the user cancelled.</summary>
    internal async Task AbortAsync()
    {
        foreach (var job in _jobs.Values.Where(j => j.IsValueCreated && j.Value.IsCompletedSuccessfully))
        {
            await job.Value.Result.StopAsync();
        }
    }

    /// <summary>Waits for what is batched, as <see cref="FlushAsync"/> does (a failure is not thrown here: flush to hear of it), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var job in _jobs.Values.Where(j => j.IsValueCreated && j.Value.IsCompletedSuccessfully))
        {
            try
            {
                await job.Value.Result.FlushAsync(CancellationToken.None);
            }
            catch (EventProducerException)
            {
                // heard by whoever flushes; a disposal does not throw it
            }

            await job.Value.Result.StopAsync();
        }
    }

    private async Task<JobProducer> JobAsync(string job, CancellationToken cancellation)
    {
        var lazy = _jobs.GetOrAdd(job, j => new Lazy<Task<JobProducer>>(() => CreateAsync(j)));
        try
        {
            return await lazy.Value.WaitAsync(cancellation);
        }
        catch when (lazy.Value.IsFaulted)
        {
            _jobs.TryRemove(new KeyValuePair<string, Lazy<Task<JobProducer>>>(job, lazy)); // the next record asks again
            throw;
        }
    }

    private async Task<JobProducer> CreateAsync(string job)
    {
        var route = await _route(job, CancellationToken.None);
        if (_options.BatchSize > route.MaxBatchEvents)
        {
            throw new ArgumentException(
                $"A batch size of {_options.BatchSize} is not valid for job '{job}': it must be between 1 and {route.MaxBatchEvents}, " +
                "the most events its sources accept per batch (OrleansCheckpoint:Ingest:MaxBatchEvents).");
        }

        return new JobProducer(route, _source, ProducerId, _options, _counters);
    }

    // A job that is restarting answers "retry shortly", as its sources do.
    private static Func<string, CancellationToken, Task<PushRoute>> RouteOf(IClusterClient cluster, EventProducerOptions options) =>
        (job, cancellation) => new PushRetryPolicy(options.RetryFor).ExecuteAsync(() => cluster.GetGrain<IJobManagerGrain>(job).GetPushRouteAsync(), null, cancellation);
}

/// <summary>A producer's counters, shared by its jobs and partitions.</summary>
internal sealed class ProducerCounters
{
    public long Accepted;
    public long Batches;
    public long Retries;
    public long Duplicates;

    public ProducerStatistics Snapshot() => new(
        Interlocked.Read(ref Accepted), Interlocked.Read(ref Batches), Interlocked.Read(ref Retries), Interlocked.Read(ref Duplicates));
}
