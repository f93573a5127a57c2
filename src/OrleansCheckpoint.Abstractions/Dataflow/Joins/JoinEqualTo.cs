namespace OrleansCheckpoint.Dataflow;

/// <summary>A window join keyed on both sides; <see cref="Window"/> sets the windows the pairs meet in.</summary>
/// <typeparam name="T1">The left stream's record type.</typeparam>
/// <typeparam name="T2">The right stream's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class JoinEqualTo<T1, T2, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T1, TKey> _left;
    private readonly KeyedStream<T2, TKey> _right;

    internal JoinEqualTo(KeyedStream<T1, TKey> left, KeyedStream<T2, TKey> right)
    {
        _left = left;
        _right = right;
    }

    /// <summary>Pairs meet when they fall in one window: <see cref="TumblingEventTimeWindows"/> or <see cref="SlidingEventTimeWindows"/>.</summary>
    public WindowedJoin<T1, T2, TKey> Window(EventTimeWindows windows) => new(_left, _right, windows ?? throw new ArgumentNullException(nameof(windows)));
}
