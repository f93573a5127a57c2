namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A job: registered by name in the silo, it describes its dataflow when asked. Jobs are ordinary classes;
/// register them with <c>services.AddStreamJob&lt;TJob&gt;("name")</c> in the silo host.
/// </summary>
public interface IStreamJob
{
    /// <summary>Describes the job's dataflow on <paramref name="job"/>. Must give the same graph every time.</summary>
    void Build(JobBuilder job);
}

/// <summary>Builds a job's logical graph with a fluent API: sources, transformations, keyed operators, sinks.</summary>
public sealed class JobBuilder
{
    private readonly List<Transformation> _transformations = [];

    /// <summary>Starts a graph for the job named <paramref name="jobName"/>.</summary>
    public JobBuilder(string jobName) => JobName = jobName;

    /// <summary>The job's name.</summary>
    public string JobName { get; }

    /// <summary>
    /// A source whose partitions receive lines pushed by clients (<c>client push</c>); each line is parsed into a
    /// <typeparamref name="T"/>. A batch with a line that <paramref name="parse"/> rejects is refused whole, with
    /// an error naming the line, so nothing is half-accepted.
    /// </summary>
    public DataStream<T> Source<T>(string uid, Func<string, T> parse, WatermarkStrategy<T>? watermarks = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new DataStream<T>(this, Add(new SourceTransformation<T>(uid, parse, watermarks)));
    }

    /// <summary>
    /// A source that reads every stream of <paramref name="streamNamespace"/> on the silo's stream provider
    /// <paramref name="providerName"/> (Azure Queue streams: <c>AddCheckpointAzureQueueStreams</c> in the silo host). Producers
    /// publish <see cref="Messages.StreamSourceEvent"/>s — a line, the producer's id and its number for the event — and
    /// each line is parsed into a <typeparamref name="T"/>. An event is logged durably in the ingest log of source partition
    /// <c>hash(namespace/key) mod P</c> before the stream provider is told it was delivered, once per (producer, number)
    /// however often the queue delivers it, so the job counts it exactly once. While the job is not running, events wait
    /// in the queue. An event that <paramref name="parse"/> rejects (throws for) is logged too, but goes to
    /// <paramref name="deadLetters"/> (<c>container/prefix</c>; default <c>dead-letters</c> in the silo's output container)
    /// as a JSON line naming its stream, producer and number, and is counted (<c>client metrics</c>), once, instead of
    /// into the job. Clients may push to the source as well (<c>client push</c>; there too a bad line is dead-lettered).
    /// </summary>
    public DataStream<T> FromOrleansStream<T>(
        string uid, string providerName, string streamNamespace, Func<string, T> parse, WatermarkStrategy<T>? watermarks = null, string? deadLetters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        ArgumentException.ThrowIfNullOrWhiteSpace(streamNamespace);
        ArgumentNullException.ThrowIfNull(parse);
        return new DataStream<T>(this, Add(new SourceTransformation<T>(uid, parse, watermarks, new OrleansStreamSubscription(providerName, streamNamespace, deadLetters))));
    }

    /// <summary>
    /// A source that generates <paramref name="count"/> records in the job: partition <c>p</c> of <c>P</c> emits
    /// <c>eventAt(p)</c>, <c>eventAt(p + P)</c>, … (in batches, waiting while its operator is busy), then ends its
    /// input, and the job finishes by itself once everything downstream has processed it. A checkpoint records
    /// how many records each partition has emitted; after a restore it generates again from there, so
    /// <paramref name="eventAt"/> must give the same record for the same index every time.
    /// </summary>
    public DataStream<T> Generate<T>(string uid, Func<long, T> eventAt, long count, WatermarkStrategy<T>? watermarks = null)
    {
        ArgumentNullException.ThrowIfNull(eventAt);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new DataStream<T>(this, Add(new GeneratorSourceTransformation<T>(uid, eventAt, count, watermarks)));
    }

    /// <summary>Checks the graph and returns it. Throws <see cref="InvalidJobGraphException"/> naming what is wrong.</summary>
    public JobGraph Build()
    {
        if (!_transformations.Any(t => t.Inputs.Count == 0))
        {
            throw new InvalidJobGraphException($"Job '{JobName}' has no source.");
        }

        if (_transformations.Count == 1)
        {
            throw new InvalidJobGraphException($"Job '{JobName}' does nothing: no operator consumes its source.");
        }

        if (_transformations.Count(t => t.IsQueryable) > 1)
        {
            throw new InvalidJobGraphException($"Job '{JobName}' has more than one queryable state; `client query` needs exactly one.");
        }

        if (_transformations.Count(t => t.IsResultTable) > 1)
        {
            throw new InvalidJobGraphException($"Job '{JobName}' has more than one result table; `client query` reads exactly one.");
        }

        return new JobGraph(JobName, [.. _transformations]);
    }

    internal Transformation Add(Transformation transformation)
    {
        if (_transformations.Any(t => t.Uid == transformation.Uid))
        {
            throw new InvalidJobGraphException($"Job '{JobName}' uses the operator uid '{transformation.Uid}' twice; uids must be unique.");
        }

        _transformations.Add(transformation);
        return transformation;
    }

}

/// <summary>A job's logical graph, in topological order (every transformation after its inputs).</summary>
/// <param name="JobName">The job's name.</param>
/// <param name="Transformations">The transformations.</param>
public sealed record JobGraph(string JobName, IReadOnlyList<Transformation> Transformations)
{
    /// <summary>The transformation with the given uid.</summary>
    public Transformation this[string uid] => Transformations.FirstOrDefault(t => t.Uid == uid)
        ?? throw new KeyNotFoundException($"Job '{JobName}' has no operator '{uid}'.");
}

/// <summary>A job graph is not valid; the message names the problem.</summary>
[GenerateSerializer]
public sealed class InvalidJobGraphException(string message) : Exception(message);
