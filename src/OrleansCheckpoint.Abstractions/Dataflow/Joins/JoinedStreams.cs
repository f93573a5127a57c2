namespace OrleansCheckpoint.Dataflow;

/// <summary>Two streams to be joined per key and event-time window (<see cref="DataStream{T}.Join{T2}"/>): <c>Where</c>, <c>EqualTo</c>, <c>Window</c>, <c>Apply</c>.</summary>
/// <typeparam name="T1">The left stream's record type.</typeparam>
/// <typeparam name="T2">The right stream's record type.</typeparam>
public sealed class JoinedStreams<T1, T2>
{
    private readonly DataStream<T1> _left;
    private readonly DataStream<T2> _right;

    internal JoinedStreams(DataStream<T1> left, DataStream<T2> right)
    {
        _left = left;
        _right = right;
    }

    /// <summary>The left records' key.</summary>
    public JoinWhere<T1, T2, TKey> Where<TKey>(Func<T1, TKey> key)
        where TKey : notnull => new(_left.KeyBy(key), _right);
}
