namespace OrleansCheckpoint.Dataflow;

/// <summary>How records travel from an upstream operator's instances to a downstream operator's instances.</summary>
public enum Partitioning
{
    /// <summary>Instance i sends to instance i (both sides must have the same parallelism).</summary>
    Forward,

    /// <summary>Each record goes to the instance that owns its key's key group.</summary>
    Hash,

    /// <summary>Records are spread round-robin over all downstream instances.</summary>
    Rebalance,

    /// <summary>Every record goes to every downstream instance.</summary>
    Broadcast,
}

/// <summary>An input of a transformation: the upstream transformation and how its records are partitioned.</summary>
/// <param name="Upstream">The transformation whose output this is.</param>
/// <param name="Partitioning">How the records are distributed over this transformation's instances.</param>
/// <param name="KeyHash">For <see cref="Partitioning.Hash"/>: a <c>Func&lt;T, ulong&gt;</c> giving the stable hash of a record's key, where <c>T</c> is the upstream's output type.</param>
public sealed record InputEdge(Transformation Upstream, Partitioning Partitioning, Delegate? KeyHash = null);

/// <summary>
/// A node of a job's logical graph. Every transformation has a stable <see cref="Uid"/>: state is matched to
/// operators by it when a job is restored, as with Flink's <c>uid()</c>, so never change the uid of a stateful
/// operator of a running job.
/// </summary>
public abstract class Transformation
{
    private protected Transformation(string uid, IReadOnlyList<InputEdge> inputs)
    {
        Uid = ValidateUid(uid);
        Inputs = inputs;
    }

    /// <summary>The stable id of this operator (also the middle part of its grains' keys).</summary>
    public string Uid { get; }

    /// <summary>The inputs, empty for a source.</summary>
    public IReadOnlyList<InputEdge> Inputs { get; }

    /// <summary>The number of instances, or <c>null</c> for the job's default parallelism.</summary>
    public int? Parallelism { get; internal set; }

    /// <summary>The type of the records this transformation emits.</summary>
    public abstract Type OutputType { get; }

    /// <summary>Whether this transformation keeps keyed state (and so needs a hash-partitioned input).</summary>
    public virtual bool IsKeyed => false;

    /// <summary>Whether <c>client query</c> reads this transformation's keyed state.</summary>
    public virtual bool IsQueryable => false;

    /// <summary>For queryable state: the canonical text of a key typed as text (e.g. <c>007</c> → <c>7</c> for an integer key).</summary>
    public virtual string CanonicalQueryKey(string key) => key;

    /// <summary>For queryable state: the stable hash of a key typed as text. Throws <see cref="FormatException"/> for a malformed key.</summary>
    public virtual ulong HashQueryKey(string key) => throw new NotSupportedException($"Operator '{Uid}' has no queryable state.");

    /// <summary>Whether this transformation is a result table that <c>client query</c> reads committed values from.</summary>
    public virtual bool IsResultTable => false;

    /// <summary>For a source that reads an Orleans stream provider: the provider and namespace it subscribes to; <c>null</c> otherwise.</summary>
    public virtual OrleansStreamSubscription? Subscription => null;

    /// <summary>Whether this transformation ends a branch of the graph (emits nothing downstream).</summary>
    public virtual bool IsSink => false;

    /// <summary>Dispatches to the visitor method of this transformation's kind, with its generic types bound.</summary>
    public abstract TResult Accept<TResult>(ITransformationVisitor<TResult> visitor);

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name.Split('`')[0]} '{Uid}'";

    private static string ValidateUid(string uid)
    {
        if (string.IsNullOrWhiteSpace(uid) || uid.Any(c => c is '/' or '\\' or '#' or '?' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"Operator uid '{uid}' is not valid: use a non-empty name without '/', '\\', '#', '?' or spaces.", nameof(uid));
        }

        return uid;
    }
}

/// <summary>A transformation with one input of type <typeparamref name="TIn"/> that emits <typeparamref name="TOut"/>.</summary>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public abstract class Transformation<TIn, TOut> : Transformation
{
    private protected Transformation(string uid, InputEdge input)
        : base(uid, [input])
    {
    }

    /// <inheritdoc />
    public override Type OutputType => typeof(TOut);
}

/// <summary>Visits the kinds of transformation with their generic types bound (the runtime builds operators this way).</summary>
/// <typeparam name="TResult">What the visitor produces.</typeparam>
public interface ITransformationVisitor<out TResult>
{
    /// <summary>A source fed by pushes of JSON lines (or any text lines) from clients.</summary>
    TResult VisitSource<T>(SourceTransformation<T> source);

    /// <summary>A source that generates its records in the job.</summary>
    TResult VisitGenerator<T>(GeneratorSourceTransformation<T> generator);

    /// <summary>A source that reads files under a blob container prefix.</summary>
    TResult VisitFileSource<T>(FileSourceTransformation<T> files);

    /// <summary>A one-to-one function.</summary>
    TResult VisitMap<TIn, TOut>(MapTransformation<TIn, TOut> map);

    /// <summary>A predicate that keeps records.</summary>
    TResult VisitFilter<T>(FilterTransformation<T> filter);

    /// <summary>A one-to-many function.</summary>
    TResult VisitFlatMap<TIn, TOut>(FlatMapTransformation<TIn, TOut> flatMap);

    /// <summary>Streams of one type merged into one.</summary>
    TResult VisitUnion<T>(UnionTransformation<T> union);

    /// <summary>A rolling aggregate per key.</summary>
    TResult VisitKeyedAggregate<T, TKey, TAcc, TOut>(KeyedAggregateTransformation<T, TKey, TAcc, TOut> aggregate)
        where TKey : notnull;

    /// <summary>A keyed process function.</summary>
    TResult VisitKeyedProcess<T, TKey, TOut>(KeyedProcessTransformation<T, TKey, TOut> process)
        where TKey : notnull;

    /// <summary>An aggregate per key and event-time window.</summary>
    TResult VisitWindowAggregate<T, TKey, TAcc, TOut>(WindowAggregateTransformation<T, TKey, TAcc, TOut> window)
        where TKey : notnull;

    /// <summary>An aggregate per key and event-time session (sessions merge).</summary>
    TResult VisitSessionWindowAggregate<T, TKey, TAcc, TOut>(SessionWindowAggregateTransformation<T, TKey, TAcc, TOut> sessions)
        where TKey : notnull;

    /// <summary>A keyed co-process function over two keyed streams.</summary>
    TResult VisitKeyedCoProcess<T1, T2, TKey, TOut>(KeyedCoProcessTransformation<T1, T2, TKey, TOut> process)
        where TKey : notnull;

    /// <summary>An interval join of two keyed streams.</summary>
    TResult VisitIntervalJoin<T1, T2, TKey, TOut>(IntervalJoinTransformation<T1, T2, TKey, TOut> join)
        where TKey : notnull;

    /// <summary>A join of two keyed streams per event-time window.</summary>
    TResult VisitWindowJoin<T1, T2, TKey, TOut>(WindowJoinTransformation<T1, T2, TKey, TOut> join)
        where TKey : notnull;

    /// <summary>A keyed broadcast process function over a keyed stream and a broadcast stream.</summary>
    TResult VisitKeyedBroadcastProcess<T, TBroadcast, TKey, TOut>(KeyedBroadcastProcessTransformation<T, TBroadcast, TKey, TOut> process)
        where TKey : notnull;

    /// <summary>The records an operator routes to one of its side outputs (a window's late records).</summary>
    TResult VisitSideOutput<T>(SideOutputTransformation<T> sideOutput);

    /// <summary>A sink that publishes records to the job's results stream.</summary>
    TResult VisitResultsStreamSink<T>(ResultsStreamSinkTransformation<T> sink);

    /// <summary>A sink that writes records as JSON lines to part files in blob storage, visible once committed.</summary>
    TResult VisitFileSink<T>(FileSinkTransformation<T> sink);

    /// <summary>A sink that keeps the latest committed value per key in a queryable table.</summary>
    TResult VisitResultTableSink<TKey, TValue>(ResultTableSinkTransformation<TKey, TValue> sink)
        where TKey : notnull;
}

/// <summary>A source partition receives batches of text lines pushed by clients and parses each into a record.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class SourceTransformation<T> : Transformation
{
    internal SourceTransformation(string uid, Func<string, T> parse, WatermarkStrategy<T>? watermarks, OrleansStreamSubscription? subscription = null)
        : base(uid, [])
    {
        Parse = parse;
        Watermarks = watermarks;
        Subscription = subscription;
    }

    /// <summary>
    /// For a source that reads an Orleans stream provider (<see cref="JobBuilder.FromOrleansStream{T}"/>): the provider and
    /// namespace it subscribes to; <c>null</c> for a source fed by client pushes only.
    /// </summary>
    public override OrleansStreamSubscription? Subscription { get; }

    /// <summary>Parses one line; throws (e.g. <see cref="System.Text.Json.JsonException"/> or <see cref="FormatException"/>) for a malformed one.</summary>
    public Func<string, T> Parse { get; }

    /// <summary>Event timestamps and watermarks, or <c>null</c> for a job without event time.</summary>
    public WatermarkStrategy<T>? Watermarks { get; }

    /// <inheritdoc />
    public override Type OutputType => typeof(T);

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitSource(this);
}

/// <summary>Applies a function to each record.</summary>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public sealed class MapTransformation<TIn, TOut> : Transformation<TIn, TOut>
{
    internal MapTransformation(string uid, InputEdge input, Func<TIn, TOut> map)
        : base(uid, input) => Map = map;

    /// <summary>The function.</summary>
    public Func<TIn, TOut> Map { get; }

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitMap(this);
}

/// <summary>Keeps the records for which a predicate holds.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class FilterTransformation<T> : Transformation<T, T>
{
    internal FilterTransformation(string uid, InputEdge input, Func<T, bool> predicate)
        : base(uid, input) => Predicate = predicate;

    /// <summary>The predicate.</summary>
    public Func<T, bool> Predicate { get; }

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitFilter(this);
}

/// <summary>Emits zero or more records for each record.</summary>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public sealed class FlatMapTransformation<TIn, TOut> : Transformation<TIn, TOut>
{
    internal FlatMapTransformation(string uid, InputEdge input, Action<TIn, ICollector<TOut>> flatMap)
        : base(uid, input) => FlatMap = flatMap;

    /// <summary>The function.</summary>
    public Action<TIn, ICollector<TOut>> FlatMap { get; }

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitFlatMap(this);
}

/// <summary>Base of the transformations that keep state per key.</summary>
/// <typeparam name="T">The input record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public abstract class KeyedTransformation<T, TKey, TOut> : Transformation<T, TOut>
    where TKey : notnull
{
    private protected KeyedTransformation(string uid, InputEdge input, KeySelector<T, TKey> key)
        : base(uid, input) => Key = key;

    /// <summary>The key selector (the same one that partitioned the input).</summary>
    public KeySelector<T, TKey> Key { get; }

    /// <inheritdoc />
    public override bool IsKeyed => true;
}

/// <summary>A rolling aggregate per key: each record updates its key's accumulator and the new result is emitted.</summary>
/// <typeparam name="T">The input record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <typeparam name="TOut">The aggregate's result type.</typeparam>
public sealed class KeyedAggregateTransformation<T, TKey, TAcc, TOut> : KeyedTransformation<T, TKey, KeyedValue<TKey, TOut>>, IHasStateInvariants<TKey, TOut>
    where TKey : notnull
{
    private readonly List<StateInvariant<TKey, TOut>> _stateInvariants = [];

    internal KeyedAggregateTransformation(string uid, InputEdge input, KeySelector<T, TKey> key, IAggregateFunction<T, TAcc, TOut> aggregate, Func<string, TKey>? queryKeyParser)
        : base(uid, input, key)
    {
        Aggregate = aggregate;
        QueryKeyParser = queryKeyParser;
    }

    /// <summary>The aggregate function.</summary>
    public IAggregateFunction<T, TAcc, TOut> Aggregate { get; }

    /// <summary>For queryable state: parses a key given as text by <c>client query</c>; <c>null</c> when not queryable.</summary>
    public Func<string, TKey>? QueryKeyParser { get; }

    /// <inheritdoc />
    public override bool IsQueryable => QueryKeyParser is not null;

    /// <inheritdoc />
    public override ulong HashQueryKey(string key) =>
        StableKeyHash.Of((QueryKeyParser ?? throw new NotSupportedException($"Operator '{Uid}' has no queryable state."))(key));

    /// <summary>The consistency functions checked on each checkpoint's state, over every key's result (see <see cref="StateInvariantExtensions"/>).</summary>
    public IReadOnlyList<StateInvariant<TKey, TOut>> StateInvariants => _stateInvariants;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitKeyedAggregate(this);

    void IHasStateInvariants<TKey, TOut>.AddStateInvariant(StateInvariant<TKey, TOut> invariant) => _stateInvariants.Add(invariant);
}

/// <summary>A keyed process function with per-key value state.</summary>
/// <typeparam name="T">The input record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public sealed class KeyedProcessTransformation<T, TKey, TOut> : KeyedTransformation<T, TKey, TOut>, IHasValueStateInvariants
    where TKey : notnull
{
    private readonly List<IValueStateInvariant> _stateInvariants = [];

    internal KeyedProcessTransformation(string uid, InputEdge input, KeySelector<T, TKey> key, Func<KeyedProcessFunction<TKey, T, TOut>> createFunction)
        : base(uid, input, key) => CreateFunction = createFunction;

    /// <summary>Creates the function for one operator instance.</summary>
    public Func<KeyedProcessFunction<TKey, T, TOut>> CreateFunction { get; }

    /// <summary>The consistency functions over its value states, checked on each checkpoint's state (see <see cref="StateInvariantExtensions"/>).</summary>
    public IReadOnlyList<IValueStateInvariant> StateInvariants => _stateInvariants;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitKeyedProcess(this);

    void IHasValueStateInvariants.AddValueStateInvariant(IValueStateInvariant invariant) => _stateInvariants.Add(invariant);
}

/// <summary>How a file sink writes its records.</summary>
public enum FileFormat
{
    /// <summary>One JSON document per line (<c>.jsonl</c>).</summary>
    JsonLines,

    /// <summary>RFC 4180 CSV with a header row of the record's public properties (<c>.csv</c>).</summary>
    Csv,
}

/// <summary>
/// Writes records as JSON lines or CSV rows to part files in blob storage (the silo's output container, under
/// <c>{job}/{uid}/</c>). A part file holds the records of one instance and one checkpoint and appears only when
/// that checkpoint completes (<c>part-{partition}-{checkpoint}.jsonl</c> or <c>.csv</c>; at the end of the input,
/// <c>…-final.jsonl</c>): readers never see output that a failure takes back, and a commit repeated after a
/// restore finds its file already there.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class FileSinkTransformation<T> : Transformation<T, T>
{
    internal FileSinkTransformation(string uid, InputEdge input, FileFormat format)
        : base(uid, input) => Format = format;

    /// <summary>How records are written.</summary>
    public FileFormat Format { get; }

    /// <inheritdoc />
    public override bool IsSink => true;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitFileSink(this);
}

/// <summary>
/// Keeps the latest value of each key in the job's result table: values staged during a checkpoint's epoch
/// become visible (to <c>client query</c>) when the checkpoint completes, so a reader never sees a value that a
/// failure will take back. Its input is partitioned by the key.
/// </summary>
/// <typeparam name="TKey">The key type (string, int, long or Guid, so it can be typed on a command line).</typeparam>
/// <typeparam name="TValue">The value type (stored as JSON).</typeparam>
public sealed class ResultTableSinkTransformation<TKey, TValue> : Transformation<KeyedValue<TKey, TValue>, KeyedValue<TKey, TValue>>
    where TKey : notnull
{
    internal ResultTableSinkTransformation(string uid, InputEdge input, Func<string, TKey> parseKey)
        : base(uid, input) => ParseKey = parseKey;

    /// <summary>Parses a key typed as text.</summary>
    public Func<string, TKey> ParseKey { get; }

    /// <summary>The canonical text of a key (what the table is keyed by).</summary>
    public static string FormatKey(TKey key) => Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;

    /// <inheritdoc />
    public override bool IsSink => true;

    /// <inheritdoc />
    public override bool IsResultTable => true;

    /// <inheritdoc />
    public override ulong HashQueryKey(string key) => StableKeyHash.Of(ParseKey(key));

    /// <inheritdoc />
    public override string CanonicalQueryKey(string key) => FormatKey(ParseKey(key));

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitResultTableSink(this);
}

/// <summary>
/// Publishes each record, as JSON, to the job's results stream that clients subscribe to (<c>client results</c>).
/// With checkpoints, records are published when the checkpoint that covers them completes (exactly once per
/// checkpoint id: after a failure, a re-published batch carries the same id, so subscribers can drop it).
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class ResultsStreamSinkTransformation<T> : Transformation<T, T>
{
    internal ResultsStreamSinkTransformation(string uid, InputEdge input)
        : base(uid, input)
    {
    }

    /// <inheritdoc />
    public override bool IsSink => true;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitResultsStreamSink(this);
}

/// <summary>A key and a value: what a rolling keyed aggregate emits.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="Value">The key's current aggregate.</param>
[GenerateSerializer, Immutable]
public sealed record KeyedValue<TKey, TValue>([property: Id(0)] TKey Key, [property: Id(1)] TValue Value);
