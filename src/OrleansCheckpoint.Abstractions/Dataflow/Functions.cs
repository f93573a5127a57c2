namespace OrleansCheckpoint.Dataflow;

/// <summary>Receives the records a function emits (flatMap, process functions).</summary>
/// <typeparam name="T">The emitted record type.</typeparam>
public interface ICollector<in T>
{
    /// <summary>Emits one record downstream, with the timestamp of the record being processed.</summary>
    void Collect(T value);
}

/// <summary>
/// An incremental aggregation, as Flink's <c>AggregateFunction</c>: an accumulator is created per key
/// (and per window), each record is added to it, and the result is read from it when needed.
/// Accumulators are kept in keyed state and checkpointed, so they must be serializable by Orleans
/// (<c>[GenerateSerializer]</c> or a primitive type) and should be small values.
/// </summary>
/// <typeparam name="TIn">The record type.</typeparam>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
public interface IAggregateFunction<in TIn, TAcc, out TOut>
{
    /// <summary>A new, empty accumulator.</summary>
    TAcc CreateAccumulator();

    /// <summary>Adds <paramref name="value"/> to <paramref name="accumulator"/> and returns the new accumulator.</summary>
    TAcc Add(TIn value, TAcc accumulator);

    /// <summary>The result of an accumulator.</summary>
    TOut GetResult(TAcc accumulator);
}

/// <summary>
/// An aggregate whose accumulators of two groups of records merge into that of both (Flink's
/// <c>AggregateFunction.merge</c>): what session windows need, as two sessions merge when a record bridges them.
/// </summary>
/// <typeparam name="TIn">The record type.</typeparam>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <typeparam name="TOut">The result type.</typeparam>
public interface IMergeableAggregateFunction<in TIn, TAcc, out TOut> : IAggregateFunction<TIn, TAcc, TOut>
{
    /// <summary>The accumulator of the records of <paramref name="a"/> and of <paramref name="b"/> (<paramref name="a"/>'s came first in event time).</summary>
    TAcc Merge(TAcc a, TAcc b);
}

/// <summary>Counts records: the accumulator and the result are a <see cref="long"/>.</summary>
/// <typeparam name="TIn">The record type.</typeparam>
public sealed class CountAggregate<TIn> : IMergeableAggregateFunction<TIn, long, long>
{
    /// <inheritdoc />
    public long Merge(long a, long b) => a + b;

    /// <inheritdoc />
    public long CreateAccumulator() => 0;

    /// <inheritdoc />
    public long Add(TIn value, long accumulator) => accumulator + 1;

    /// <inheritdoc />
    public long GetResult(long accumulator) => accumulator;
}

/// <summary>Folds records of one type into one value of that type (Flink's <c>ReduceFunction</c>).</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class ReduceAggregate<T>(Func<T, T, T> reduce) : IMergeableAggregateFunction<T, ReduceAccumulator<T>, T>
{
    public ReduceAccumulator<T> Merge(ReduceAccumulator<T> a, ReduceAccumulator<T> b) =>
        a.HasValue && b.HasValue ? new(reduce(a.Value, b.Value), true) : a.HasValue ? a : b;

    public ReduceAccumulator<T> CreateAccumulator() => default;

    public ReduceAccumulator<T> Add(T value, ReduceAccumulator<T> accumulator) =>
        new(accumulator.HasValue ? reduce(accumulator.Value, value) : value, true);

    public T GetResult(ReduceAccumulator<T> accumulator) => accumulator.Value;
}

/// <summary>The accumulator of a reduce: the value so far, if any.</summary>
/// <typeparam name="T">The record type.</typeparam>
[GenerateSerializer]
public readonly record struct ReduceAccumulator<T>([property: Id(0)] T Value, [property: Id(1)] bool HasValue);

/// <summary>
/// A function that processes each record of a keyed stream with access to state scoped to the record's key
/// and event-time and processing-time timers (Flink's <c>KeyedProcessFunction</c>).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public abstract class KeyedProcessFunction<TKey, TIn, TOut>
    where TKey : notnull
{
    /// <summary>Processes one record. State obtained from <paramref name="context"/> belongs to the record's key.</summary>
    public abstract void ProcessElement(TIn value, IKeyedContext<TKey> context, ICollector<TOut> output);

    /// <summary>
    /// A timer of the current key fired; <see cref="IKeyedContext{TKey}.TimeDomain"/> says which kind. An event-time
    /// timer (<see cref="IKeyedContext{TKey}.RegisterEventTimeTimer"/>) fires once the operator's watermark reached
    /// <paramref name="timestamp"/>; the context's timestamp, and that of what is emitted, is then
    /// <paramref name="timestamp"/>. A processing-time timer (<see cref="IKeyedContext{TKey}.RegisterProcessingTimeTimer"/>)
    /// fires once the instance's clock reached <paramref name="timestamp"/>; what it emits has no timestamp
    /// (<see cref="long.MinValue"/>, as Flink erases it). <paramref name="context"/> has the timer's key as its current
    /// key (state belongs to it). Timers due together fire in time order, then in key order. Does nothing unless
    /// overridden.
    /// </summary>
    public virtual void OnTimer(long timestamp, IKeyedContext<TKey> context, ICollector<TOut> output)
    {
    }
}

/// <summary>What a keyed function sees of the record it processes.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public interface IKeyedContext<out TKey>
{
    /// <summary>The key of the record being processed.</summary>
    TKey CurrentKey { get; }

    /// <summary>The event timestamp of the record being processed (Unix milliseconds), or <see cref="long.MinValue"/> if it has none.</summary>
    long Timestamp { get; }

    /// <summary>The current event-time watermark of this operator instance (Unix milliseconds).</summary>
    long CurrentWatermark { get; }

    /// <summary>
    /// A value state named <paramref name="name"/>, scoped to the current key. State is kept per key group and
    /// checkpointed with the operator; <typeparamref name="T"/> must be serializable by Orleans.
    /// </summary>
    IValueState<T> GetValueState<T>(string name);

    /// <summary>
    /// Registers an event-time timer for the current key: <see cref="KeyedProcessFunction{TKey, TIn, TOut}.OnTimer"/>
    /// runs once the operator's watermark is at or past <paramref name="time"/> (Unix milliseconds); at the end of
    /// the input the watermark reaches its maximum, so every pending timer fires. A key has at most one timer per
    /// time: registering it again does nothing. Timers are keyed state: checkpointed and restored with it.
    /// </summary>
    void RegisterEventTimeTimer(long time);

    /// <summary>Deletes the current key's event-time timer at <paramref name="time"/>, if there is one.</summary>
    void DeleteEventTimeTimer(long time);

    /// <summary>The instance's clock now (Unix milliseconds): what processing-time timers are due by.</summary>
    long CurrentProcessingTime { get; }

    /// <summary>
    /// In <see cref="KeyedProcessFunction{TKey, TIn, TOut}.OnTimer"/>: the kind of timer that fired; <c>null</c> while a
    /// record is processed.
    /// </summary>
    TimeDomain? TimeDomain { get; }

    /// <summary>
    /// Registers a processing-time timer for the current key: <see cref="KeyedProcessFunction{TKey, TIn, TOut}.OnTimer"/>
    /// runs once <see cref="CurrentProcessingTime"/> is at or past <paramref name="time"/> (Unix milliseconds), between
    /// batches of input or while the instance waits for input. A key has at most one timer per time. Timers are keyed
    /// state, checkpointed and restored with it; one that came due while the job was down fires right after the
    /// restore. At the end of the input (a drain, or sources that end) pending processing-time timers do not fire.
    /// </summary>
    void RegisterProcessingTimeTimer(long time);

    /// <summary>Deletes the current key's processing-time timer at <paramref name="time"/>, if there is one.</summary>
    void DeleteProcessingTimeTimer(long time);
}

/// <summary>One value per key (Flink's <c>ValueState</c>).</summary>
/// <typeparam name="T">The value type.</typeparam>
public interface IValueState<T>
{
    /// <summary>Whether the current key has a value.</summary>
    bool HasValue { get; }

    /// <summary>The current key's value, or <c>default</c> if it has none.</summary>
    T? Value { get; }

    /// <summary>Sets the current key's value.</summary>
    void Update(T value);

    /// <summary>Removes the current key's value.</summary>
    void Clear();
}
