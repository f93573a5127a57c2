namespace OrleansCheckpoint.Dataflow;

/// <summary>A stream of records of type <typeparamref name="T"/>: the output of one transformation.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class DataStream<T>
{
    internal DataStream(JobBuilder builder, Transformation transformation)
    {
        Builder = builder;
        Transformation = transformation;
    }

    /// <summary>The transformation that produces this stream.</summary>
    public Transformation Transformation { get; }

    internal JobBuilder Builder { get; }

    /// <summary>Sets the number of instances of the operator that produces this stream.</summary>
    public DataStream<T> WithParallelism(int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parallelism);
        Transformation.Parallelism = parallelism;
        if (Transformation is ISideOutputProducer { SideOutput: { } side })
        {
            side.Parallelism = parallelism; // a side output runs beside its producer, instance for instance
        }

        return this;
    }

    /// <summary>
    /// The records this stream's operator routes to its side output <paramref name="tag"/> (a window's records later than
    /// its allowed lateness: <c>SideOutputLateData(tag)</c>), as a stream to map or sink like any other.
    /// </summary>
    public DataStream<TSide> GetSideOutput<TSide>(OutputTag<TSide> tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (Transformation is not ILateDataProducer<TSide> producer || producer.LateDataTag?.Id != tag.Id)
        {
            throw new InvalidJobGraphException(
                $"Operator '{Transformation.Uid}' has no side output '{tag.Id}' of {typeof(TSide).Name}: " +
                "declare it with SideOutputLateData(tag) on its window.");
        }

        producer.LateDataOutput ??= (SideOutputTransformation<TSide>)Builder.Add(new SideOutputTransformation<TSide>(Transformation, tag));
        return new DataStream<TSide>(Builder, producer.LateDataOutput);
    }

    /// <summary>Applies <paramref name="map"/> to each record.</summary>
    public DataStream<TOut> Map<TOut>(string uid, Func<T, TOut> map) =>
        Then<TOut>(new MapTransformation<T, TOut>(uid, Forward(), map ?? throw new ArgumentNullException(nameof(map))));

    /// <summary>Keeps the records for which <paramref name="predicate"/> holds.</summary>
    public DataStream<T> Filter(string uid, Func<T, bool> predicate) =>
        Then<T>(new FilterTransformation<T>(uid, Forward(), predicate ?? throw new ArgumentNullException(nameof(predicate))));

    /// <summary>Emits zero or more records per record through the collector.</summary>
    public DataStream<TOut> FlatMap<TOut>(string uid, Action<T, ICollector<TOut>> flatMap) =>
        Then<TOut>(new FlatMapTransformation<T, TOut>(uid, Forward(), flatMap ?? throw new ArgumentNullException(nameof(flatMap))));

    /// <summary>Spreads the records round-robin over the next operator's instances.</summary>
    public RebalancedStream<T> Rebalance() => new(this);

    /// <summary>Partitions the stream by key: each key's records go to the one instance that owns its key group.</summary>
    public KeyedStream<T, TKey> KeyBy<TKey>(Func<T, TKey> key)
        where TKey : notnull => new(this, new KeySelector<T, TKey>(key));

    /// <summary>Publishes each record as JSON to the job's results stream (<c>client results &lt;job&gt;</c>).</summary>
    public DataStream<T> ToResultsStream(string uid) => Then<T>(new ResultsStreamSinkTransformation<T>(uid, Forward()));

    /// <summary>Writes each record as a JSON line to part files in blob storage, each visible once its checkpoint completes.</summary>
    public DataStream<T> ToFiles(string uid) => Then<T>(new FileSinkTransformation<T>(uid, Forward(), FileFormat.JsonLines));

    /// <summary>
    /// Writes each record as a CSV row (RFC 4180; a header of the record's public properties opens every part file) to
    /// part files in blob storage, each visible once its checkpoint completes: the same two-phase commit as <see cref="ToFiles"/>.
    /// </summary>
    public DataStream<T> ToCsvFiles(string uid) => Then<T>(new FileSinkTransformation<T>(uid, Forward(), FileFormat.Csv));

    /// <summary>Hashes each record by the key <paramref name="key"/> (for the edge into a sink that is keyed by it).</summary>
    internal InputEdge HashedBy<TKey>(Func<T, TKey> key)
        where TKey : notnull => new(Transformation, Partitioning.Hash, (Func<T, ulong>)(record => StableKeyHash.Of(key(record))));

    /// <summary>
    /// Merges this stream with <paramref name="others"/> of the same job and type (Flink's <c>union</c>): instance p of the
    /// union reads instance p of each of them, so they need its parallelism.
    /// </summary>
    public DataStream<T> Union(string uid, params DataStream<T>[] others)
    {
        ArgumentNullException.ThrowIfNull(others);
        if (others.Length == 0)
        {
            throw new InvalidJobGraphException($"Union '{uid}' needs at least one stream to merge this one with.");
        }

        if (others.FirstOrDefault(o => o.Builder != Builder) is { } foreign)
        {
            throw new InvalidJobGraphException($"Union '{uid}' merges '{foreign.Transformation.Uid}', a stream of another job.");
        }

        return Then<T>(new UnionTransformation<T>(uid, [Forward(), .. others.Select(o => o.Forward())]));
    }

    /// <summary>
    /// Connects this stream with <paramref name="other"/> of the same job (Flink's <c>connect</c>), to key both
    /// (<see cref="ConnectedStreams{T1, T2}.KeyBy"/>) and process them together with a <see cref="KeyedCoProcessFunction{TKey, TIn1, TIn2, TOut}"/>.
    /// </summary>
    public ConnectedStreams<T, T2> Connect<T2>(DataStream<T2> other) => new(this, SameJob(other, "Connect"));

    /// <summary>Sends every record of this stream to every instance of the operator that reads it (Flink's <c>broadcast</c>): connect it to a keyed stream.</summary>
    public BroadcastStream<T> Broadcast() => new(this);

    /// <summary>Joins this stream with <paramref name="other"/> per key and event-time window: <c>.Where(…).EqualTo(…).Window(…).Apply(uid, …)</c>.</summary>
    public JoinedStreams<T, T2> Join<T2>(DataStream<T2> other) => new(this, SameJob(other, "Join"));

    internal InputEdge Forward() => new(Transformation, Partitioning.Forward);

    internal DataStream<T2> SameJob<T2>(DataStream<T2> other, string what)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Builder == Builder ? other
            : throw new InvalidJobGraphException($"{what} of '{Transformation.Uid}' with '{other.Transformation.Uid}': the streams belong to different jobs.");
    }

    internal DataStream<TOut> Then<TOut>(Transformation next) => new(Builder, Builder.Add(next));
}

/// <summary>A stream whose next operator receives its records round-robin.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class RebalancedStream<T>
{
    private readonly DataStream<T> _stream;

    internal RebalancedStream(DataStream<T> stream) => _stream = stream;

    /// <summary>Applies <paramref name="map"/> to each record, on instances fed round-robin.</summary>
    public DataStream<TOut> Map<TOut>(string uid, Func<T, TOut> map) =>
        _stream.Then<TOut>(new MapTransformation<T, TOut>(uid, Edge(), map ?? throw new ArgumentNullException(nameof(map))));

    /// <summary>Emits zero or more records per record, on instances fed round-robin.</summary>
    public DataStream<TOut> FlatMap<TOut>(string uid, Action<T, ICollector<TOut>> flatMap) =>
        _stream.Then<TOut>(new FlatMapTransformation<T, TOut>(uid, Edge(), flatMap ?? throw new ArgumentNullException(nameof(flatMap))));

    private InputEdge Edge() => new(_stream.Transformation, Partitioning.Rebalance);
}

/// <summary>A stream partitioned by key: the operators applied to it keep state per key.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class KeyedStream<T, TKey>
    where TKey : notnull
{
    private readonly DataStream<T> _stream;

    internal KeyedStream(DataStream<T> stream, KeySelector<T, TKey> key)
    {
        _stream = stream;
        Key = key;
    }

    /// <summary>The key selector.</summary>
    public KeySelector<T, TKey> Key { get; }

    /// <summary>
    /// A rolling aggregate: each record updates its key's accumulator and the key's new result is emitted.
    /// With <paramref name="queryable"/>, <c>client query &lt;job&gt; &lt;key&gt;</c> reads a key's current result
    /// (the key type must then be <see cref="string"/>, <see cref="int"/>, <see cref="long"/> or <see cref="Guid"/>).
    /// </summary>
    public DataStream<KeyedValue<TKey, TOut>> Aggregate<TAcc, TOut>(string uid, IAggregateFunction<T, TAcc, TOut> aggregate, bool queryable = false) =>
        _stream.Then<KeyedValue<TKey, TOut>>(new KeyedAggregateTransformation<T, TKey, TAcc, TOut>(
            uid, Edge(), Key, aggregate ?? throw new ArgumentNullException(nameof(aggregate)), queryable ? QueryKeys.ParserFor<TKey>(uid) : null));

    /// <summary>A rolling count per key.</summary>
    public DataStream<KeyedValue<TKey, long>> Count(string uid, bool queryable = false) => Aggregate(uid, new CountAggregate<T>(), queryable);

    /// <summary>A rolling reduce per key.</summary>
    public DataStream<KeyedValue<TKey, T>> Reduce(string uid, Func<T, T, T> reduce, bool queryable = false) =>
        Aggregate(uid, new ReduceAggregate<T>(reduce ?? throw new ArgumentNullException(nameof(reduce))), queryable);

    /// <summary>Processes each record with a function that has per-key state. <paramref name="createFunction"/> runs once per operator instance.</summary>
    public DataStream<TOut> Process<TOut>(string uid, Func<KeyedProcessFunction<TKey, T, TOut>> createFunction) =>
        _stream.Then<TOut>(new KeyedProcessTransformation<T, TKey, TOut>(uid, Edge(), Key, createFunction ?? throw new ArgumentNullException(nameof(createFunction))));

    /// <summary>
    /// Connects this keyed stream with <paramref name="other"/>, keyed by the same key type, to process both with a
    /// <see cref="KeyedCoProcessFunction{TKey, TIn1, TIn2, TOut}"/> (Flink's <c>keyedStream.connect(keyedStream)</c>).
    /// </summary>
    public KeyedConnectedStreams<T, T2, TKey> Connect<T2>(KeyedStream<T2, TKey> other) => new(this, Same(other, "Connect"));

    /// <summary>
    /// Connects this keyed stream with a broadcast stream (rules, configuration), to process both with a
    /// <see cref="KeyedBroadcastProcessFunction{TKey, TIn, TBroadcast, TOut}"/> that holds the broadcast records in broadcast state.
    /// </summary>
    public BroadcastConnectedStreams<T, TBroadcast, TKey> Connect<TBroadcast>(BroadcastStream<TBroadcast> broadcast)
    {
        ArgumentNullException.ThrowIfNull(broadcast);
        _stream.SameJob(broadcast.Stream, "Connect");
        return new(this, broadcast);
    }

    /// <summary>Joins this keyed stream with <paramref name="other"/> by time interval: <c>.Between(lower, upper).Process(uid, …)</c>.</summary>
    public IntervalJoin<T, T2, TKey> IntervalJoin<T2>(KeyedStream<T2, TKey> other) => new(this, Same(other, "IntervalJoin"));

    /// <summary>Groups each key's records into event-time windows: <see cref="TumblingEventTimeWindows"/> or <see cref="SlidingEventTimeWindows"/>.</summary>
    public WindowedStream<T, TKey> Window(EventTimeWindows windows) => new(this, windows ?? throw new ArgumentNullException(nameof(windows)));

    /// <summary>Groups each key's records into event-time sessions: <see cref="EventTimeSessionWindows.WithGap"/>.</summary>
    public SessionWindowedStream<T, TKey> Window(EventTimeSessionWindows sessions) => new(this, sessions ?? throw new ArgumentNullException(nameof(sessions)));

    internal DataStream<TOut> Then<TOut>(Transformation next) => _stream.Then<TOut>(next);

    private KeyedStream<T2, TKey> Same<T2>(KeyedStream<T2, TKey> other, string what)
    {
        ArgumentNullException.ThrowIfNull(other);
        _stream.SameJob(other._stream, what);
        return other;
    }

    internal InputEdge Edge() => new(_stream.Transformation, Partitioning.Hash, (Func<T, ulong>)Key.HashOf);
}

/// <summary>Parsers for keys typed on the command line (<c>client query</c>).</summary>
internal static class QueryKeys
{
    public static Func<string, TKey> ParserFor<TKey>(string uid)
    {
        object parser = typeof(TKey) switch
        {
            var t when t == typeof(string) => (Func<string, string>)(s => s),
            var t when t == typeof(int) => (Func<string, int>)(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)),
            var t when t == typeof(long) => (Func<string, long>)(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture)),
            var t when t == typeof(Guid) => (Func<string, Guid>)Guid.Parse,
            _ => throw new InvalidJobGraphException(
                $"Operator '{uid}' is queryable but its key type {typeof(TKey).Name} cannot be typed on a command line; use string, int, long or Guid."),
        };
        return (Func<string, TKey>)parser;
    }
}

/// <summary>Sinks for streams of keyed values.</summary>
public static class KeyedValueStreamExtensions
{
    /// <summary>
    /// Keeps the latest value of each key in the job's result table, committed with each checkpoint;
    /// <c>client query &lt;job&gt; &lt;key&gt;</c> reads it. A job has at most one result table.
    /// </summary>
    public static DataStream<KeyedValue<TKey, TValue>> ToResultTable<TKey, TValue>(this DataStream<KeyedValue<TKey, TValue>> stream, string uid)
        where TKey : notnull =>
        stream.Then<KeyedValue<TKey, TValue>>(new ResultTableSinkTransformation<TKey, TValue>(uid, stream.HashedBy(kv => kv.Key), QueryKeys.ParserFor<TKey>(uid)));
}
