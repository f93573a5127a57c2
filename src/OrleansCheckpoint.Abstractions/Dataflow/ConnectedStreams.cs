namespace OrleansCheckpoint.Dataflow;

/// <summary>Two streams of one job, possibly of different types, to be processed together (<see cref="DataStream{T}.Connect{T2}"/>).</summary>
/// <typeparam name="T1">The first stream's record type.</typeparam>
/// <typeparam name="T2">The second stream's record type.</typeparam>
public sealed class ConnectedStreams<T1, T2>
{
    private readonly DataStream<T1> _first;
    private readonly DataStream<T2> _second;

    internal ConnectedStreams(DataStream<T1> first, DataStream<T2> second)
    {
        _first = first;
        _second = second;
    }

    /// <summary>Partitions both streams by a key of one type: a key's records of either stream reach the same instance.</summary>
    public KeyedConnectedStreams<T1, T2, TKey> KeyBy<TKey>(Func<T1, TKey> key1, Func<T2, TKey> key2)
        where TKey : notnull => new(_first.KeyBy(key1), _second.KeyBy(key2));
}
