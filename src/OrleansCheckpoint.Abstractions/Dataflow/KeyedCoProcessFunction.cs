namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A function over two keyed streams that share a key type (Flink's <c>KeyedCoProcessFunction</c>): records of either
/// input reach it with the same per-key state and timers, so it can meet the two sides of a key — a join, an
/// enrichment, a rule checked against events. The operator's watermark is the lowest of both inputs', and its
/// checkpoint barriers align over both.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TIn1">The first input's record type.</typeparam>
/// <typeparam name="TIn2">The second input's record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public abstract class KeyedCoProcessFunction<TKey, TIn1, TIn2, TOut>
    where TKey : notnull
{
    /// <summary>Processes one record of the first input. State obtained from <paramref name="context"/> belongs to its key.</summary>
    public abstract void ProcessElement1(TIn1 value, IKeyedContext<TKey> context, ICollector<TOut> output);

    /// <summary>Processes one record of the second input. State obtained from <paramref name="context"/> belongs to its key.</summary>
    public abstract void ProcessElement2(TIn2 value, IKeyedContext<TKey> context, ICollector<TOut> output);

    /// <summary>A timer fired, as in <see cref="KeyedProcessFunction{TKey, TIn, TOut}.OnTimer"/>. Does nothing unless overridden.</summary>
    public virtual void OnTimer(long timestamp, IKeyedContext<TKey> context, ICollector<TOut> output)
    {
    }
}
