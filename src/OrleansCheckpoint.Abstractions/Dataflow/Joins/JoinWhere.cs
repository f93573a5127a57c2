namespace OrleansCheckpoint.Dataflow;

/// <summary>A window join whose left key is set; <see cref="EqualTo"/> sets the right one.</summary>
/// <typeparam name="T1">The left stream's record type.</typeparam>
/// <typeparam name="T2">The right stream's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class JoinWhere<T1, T2, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T1, TKey> _left;
    private readonly DataStream<T2> _right;

    internal JoinWhere(KeyedStream<T1, TKey> left, DataStream<T2> right)
    {
        _left = left;
        _right = right;
    }

    /// <summary>The right records' key: a left and a right record meet when their keys are equal.</summary>
    public JoinEqualTo<T1, T2, TKey> EqualTo(Func<T2, TKey> key) => new(_left, _right.KeyBy(key));
}
