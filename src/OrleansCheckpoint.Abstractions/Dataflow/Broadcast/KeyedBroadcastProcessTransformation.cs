namespace OrleansCheckpoint.Dataflow;

/// <summary>A keyed broadcast process function: input 1 a keyed stream, input 2 a broadcast stream (Flink's <c>KeyedBroadcastProcessFunction</c>).</summary>
/// <typeparam name="T">The keyed input's record type.</typeparam>
/// <typeparam name="TBroadcast">The broadcast input's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public sealed class KeyedBroadcastProcessTransformation<T, TBroadcast, TKey, TOut> : Transformation
    where TKey : notnull
{
    internal KeyedBroadcastProcessTransformation(
        string uid, InputEdge keyed, InputEdge broadcast, KeySelector<T, TKey> key, Func<KeyedBroadcastProcessFunction<TKey, T, TBroadcast, TOut>> createFunction)
        : base(uid, [keyed, broadcast])
    {
        Key = key;
        CreateFunction = createFunction;
    }

    /// <summary>The keyed input's key selector.</summary>
    public KeySelector<T, TKey> Key { get; }

    /// <summary>Creates the function for one operator instance.</summary>
    public Func<KeyedBroadcastProcessFunction<TKey, T, TBroadcast, TOut>> CreateFunction { get; }

    /// <inheritdoc />
    public override Type OutputType => typeof(TOut);

    /// <inheritdoc />
    public override bool IsKeyed => true;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitKeyedBroadcastProcess(this);
}
