namespace OrleansCheckpoint.Dataflow;

/// <summary>A keyed co-process function over two keyed streams (<see cref="KeyedConnectedStreams{T1, T2, TKey}.Process{TOut}"/>).</summary>
/// <typeparam name="T1">The first input's record type.</typeparam>
/// <typeparam name="T2">The second input's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public sealed class KeyedCoProcessTransformation<T1, T2, TKey, TOut> : KeyedTwoInputTransformation<T1, T2, TKey, TOut>, IHasValueStateInvariants
    where TKey : notnull
{
    private readonly List<IValueStateInvariant> _stateInvariants = [];

    internal KeyedCoProcessTransformation(
        string uid, InputEdge input1, InputEdge input2, KeySelector<T1, TKey> key1, KeySelector<T2, TKey> key2, Func<KeyedCoProcessFunction<TKey, T1, T2, TOut>> createFunction)
        : base(uid, input1, input2, key1, key2) => CreateFunction = createFunction;

    /// <summary>Creates the function for one operator instance.</summary>
    public Func<KeyedCoProcessFunction<TKey, T1, T2, TOut>> CreateFunction { get; }

    /// <summary>The consistency functions over its value states, checked on each checkpoint's state (see <see cref="StateInvariantExtensions"/>).</summary>
    public IReadOnlyList<IValueStateInvariant> StateInvariants => _stateInvariants;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitKeyedCoProcess(this);

    void IHasValueStateInvariants.AddValueStateInvariant(IValueStateInvariant invariant) => _stateInvariants.Add(invariant);
}
