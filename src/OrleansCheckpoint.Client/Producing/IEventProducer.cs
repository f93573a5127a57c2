using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Client;

/// <summary>
/// Pushes events from an application to running jobs' sources (<c>JobBuilder.Source</c>), the way <c>client push</c> does.
/// Records are batched per job (<see cref="EventProducerOptions.BatchSize"/> records, or what came within
/// <see cref="EventProducerOptions.Linger"/>); batch k goes to source partition k mod P. A batch is retried with the
/// same producer id and sequence until the job acknowledges it — after a silo dies or the job rolls back, the source
/// recognises a batch it already logged, so nothing is logged twice. A busy job slows the producer down: each partition has
/// one batch in flight and one waiting, and <see cref="ProduceAsync{T}"/> waits for room (backpressure, not buffering).
/// An event is acknowledged — durable in the job's ingest log, and counted exactly once by the job from then on, whatever
/// fails — once <see cref="FlushAsync"/> returns after it. Safe to call from several threads.
/// </summary>
public interface IEventProducer : IAsyncDisposable
{
    /// <summary>
    /// The producer's identity (<see cref="EventProducerOptions.ProducerId"/>, or a fresh one). Partition p of a job is
    /// pushed to as <c>{ProducerId}-{p}</c>.
    /// </summary>
    string ProducerId { get; }

    /// <summary>What the producer achieved so far.</summary>
    ProducerStatistics Statistics { get; }

    /// <summary>
    /// Adds <paramref name="record"/>, serialized as one JSON line (<see cref="EventProducerOptions.SerializerOptions"/>,
    /// by default the options of <see cref="JsonLines.Parser{T}"/>, so a job whose source parses with
    /// <c>JsonLines.Parser&lt;T&gt;()</c> reads back the same record), to the batch of <paramref name="job"/>. Returns
    /// once the record is in a batch — waiting while the job is busy; <see cref="FlushAsync"/> waits for its acknowledgement.
    /// Throws <see cref="EventProducerException"/> when an earlier batch to the job failed for good.
    /// </summary>
    ValueTask ProduceAsync<T>(string job, T record, CancellationToken cancellation = default);

    /// <summary>Adds one raw event line (for the shipped jobs, a JSON object) to the batch of <paramref name="job"/>, as <see cref="ProduceAsync{T}"/> does.</summary>
    ValueTask ProduceLineAsync(string job, string line, CancellationToken cancellation = default);

    /// <summary>
    /// Sends what is batched and waits until every record produced before the call is acknowledged. Throws
    /// <see cref="EventProducerException"/> naming the first batch that failed for good (refused by the job, or still
    /// failing when <see cref="EventProducerOptions.RetryFor"/> was up).
    /// </summary>
    Task FlushAsync(CancellationToken cancellation = default);
}

/// <summary>How an <see cref="IEventProducer"/> batches, retries and names itself.</summary>
public sealed class EventProducerOptions
{
    /// <summary>The default of <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 1000;

    /// <summary>
    /// A stable identity the application may keep (for example in its own store) across restarts. Unset: a fresh one
    /// per producer. A producer whose identity was used before continues the numbering its batches had (it asks each
    /// source partition), so its new records are never taken for retries — unless <see cref="Replay"/> is set.
    /// </summary>
    public string? ProducerId { get; set; }

    /// <summary>
    /// Number the batches from 1 again even if the identity was used before: producing the same records, in the same
    /// order and batches (<see cref="Linger"/> infinite, the job's parallelism unchanged), as an earlier run of
    /// <see cref="ProducerId"/> logs only what that run did not (what <c>client push --producer-id</c> does). Requires
    /// <see cref="Linger"/> infinite, and records produced from one thread, uncancelled.
    /// </summary>
    public bool Replay { get; set; }

    /// <summary>Records per batch at most (default 1000; at most the job's <c>OrleansCheckpoint:Ingest:MaxBatchEvents</c>).</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>How long a batch that is not full waits for more records before it is sent (default 20 ms; <see cref="Timeout.InfiniteTimeSpan"/>: only full batches and flushes are sent).</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a failing batch is retried, from its first failure (default 60 s; zero: not at all).</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How <see cref="IEventProducer.ProduceAsync{T}"/> writes records (default <see cref="JsonLines.DefaultOptions"/>).</summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>Hears of retries and of their outcome (warnings), if given.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>Hears of each acknowledged batch, with its number of records (from the producer's threads).</summary>
    public Action<int>? Acknowledged { get; set; }

    /// <summary>For the CLI: hears the retry notes for people.</summary>
    internal Action<string>? Notes { get; set; }
}

/// <summary>What a producer achieved.</summary>
/// <param name="Accepted">Records acknowledged (each once, also when a retry was acknowledged as a duplicate).</param>
/// <param name="Batches">Batches acknowledged.</param>
/// <param name="Retries">Pushes attempted again after a failure.</param>
/// <param name="Duplicates">Batches acknowledged as duplicates: a retry of a push whose first attempt had been logged after all.</param>
public sealed record ProducerStatistics(long Accepted, long Batches, long Retries, long Duplicates);

/// <summary>A producer's batch to <see cref="Job"/> failed for good; records produced to it after the batch were not pushed.</summary>
public sealed class EventProducerException(string job, Exception cause, ProducerStatistics progress, string producerId)
    : Exception($"Pushing to job '{job}' failed: {cause.Message}", cause)
{
    /// <summary>The job.</summary>
    public string Job { get; } = job;

    /// <summary>What the producer had achieved when it failed.</summary>
    public ProducerStatistics Progress { get; } = progress;

    /// <summary>The producer's identity.</summary>
    public string ProducerId { get; } = producerId;
}
