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

    /// <summary>
    /// A source that reads the lines of the files under <see cref="FileSourceSettings.Location"/> (JSON lines, or any
    /// text lines; empty lines are skipped), each file once, each line parsed into a <typeparamref name="T"/> by
    /// <paramref name="parse"/> (<see cref="JsonLines.Parser{T}"/> for JSON). A line it rejects (throws) goes to the
    /// dead-letter location with its file and line number, once, and the job goes on. Which instance reads a file is
    /// decided by a stable hash of its name modulo the parallelism; a checkpoint records each instance's files read and
    /// its line and byte offset in the current one. Without a discovery interval the input ends once the files present
    /// at the start are read, and the job finishes by itself.
    /// </summary>
    public DataStream<T> ReadLines<T>(string uid, FileSourceSettings files, Func<string, T> parse, WatermarkStrategy<T>? watermarks = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new DataStream<T>(this, Add(new FileSourceTransformation<T>(uid, Check(uid, files), SourceFileFormat.Lines, parse, null, watermarks)));
    }

    /// <summary>
    /// A source that reads the rows of the CSV files under <see cref="FileSourceSettings.Location"/>, as
    /// <see cref="ReadLines{T}"/> reads lines: each row (after the header, if <see cref="FileSourceSettings.CsvHeader"/>)
    /// is parsed by <paramref name="parse"/>; a row with another number of fields than the header, malformed quoting,
    /// or one that <paramref name="parse"/> rejects goes to the dead-letter location with its file and line.
    /// </summary>
    public DataStream<T> ReadCsv<T>(string uid, FileSourceSettings files, Func<CsvRow, T> parse, WatermarkStrategy<T>? watermarks = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new DataStream<T>(this, Add(new FileSourceTransformation<T>(uid, Check(uid, files), SourceFileFormat.Csv, null, parse, watermarks)));
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

        if (transformation.Inputs.GroupBy(e => e.Upstream).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidJobGraphException(
                $"Operator '{transformation.Uid}' reads '{twice.Key.Uid}' twice; to meet a stream with itself, give one side an operator of its own (a Map) first.");
        }

        _transformations.Add(transformation);
        return transformation;
    }

    private FileSourceSettings Check(string uid, FileSourceSettings files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (what, location) in new[] { ("files", files.Location), ("dead letters", files.DeadLetters) })
        {
            var container = location?.Split('/', 2)[0];
            if (location is not null && !(what == "files" && location.StartsWith('/')) && (container!.Length is < 3 or > 63 || !container.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
                || container[0] == '-' || container[^1] == '-' || container.Contains("--", StringComparison.Ordinal)))
            {
                throw new InvalidJobGraphException(
                    $"Job '{JobName}', source '{uid}': the {what} location '{location}' must start with a blob container name (3 to 63 lowercase letters, digits and single hyphens), then '/prefix'" +
                    (what == "files" ? " (or be '/prefix' in the silo's input container)." : "."));
            }
        }

        if (files.DiscoveryInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new InvalidJobGraphException($"Job '{JobName}', source '{uid}': the discovery interval must be positive (or null for a bounded source), not {interval}.");
        }

        return files;
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
