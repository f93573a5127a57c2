namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Base of the transformations with two inputs partitioned by one key type (co-process functions and joins): input 1
/// is <see cref="Transformation.Inputs"/>[0], input 2 is [1]. Its instances keep state per key for both inputs,
/// align checkpoint barriers over the channels of both and take the lowest of their watermarks.
/// </summary>
/// <typeparam name="T1">The first input's record type.</typeparam>
/// <typeparam name="T2">The second input's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
public abstract class KeyedTwoInputTransformation<T1, T2, TKey, TOut> : Transformation
    where TKey : notnull
{
    private protected KeyedTwoInputTransformation(string uid, InputEdge input1, InputEdge input2, KeySelector<T1, TKey> key1, KeySelector<T2, TKey> key2)
        : base(uid, [input1, input2])
    {
        Key1 = key1;
        Key2 = key2;
    }

    /// <summary>The first input's key selector.</summary>
    public KeySelector<T1, TKey> Key1 { get; }

    /// <summary>The second input's key selector.</summary>
    public KeySelector<T2, TKey> Key2 { get; }

    /// <inheritdoc />
    public override Type OutputType => typeof(TOut);

    /// <inheritdoc />
    public override bool IsKeyed => true;
}
