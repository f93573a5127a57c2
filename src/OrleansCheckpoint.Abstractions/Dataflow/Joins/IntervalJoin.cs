namespace OrleansCheckpoint.Dataflow;

/// <summary>Two keyed streams to be joined by time interval (<see cref="KeyedStream{T, TKey}.IntervalJoin{T2}"/>); <see cref="Between"/> sets the interval.</summary>
/// <typeparam name="T1">The left stream's record type.</typeparam>
/// <typeparam name="T2">The right stream's record type.</typeparam>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class IntervalJoin<T1, T2, TKey>
    where TKey : notnull
{
    private readonly KeyedStream<T1, TKey> _left;
    private readonly KeyedStream<T2, TKey> _right;

    internal IntervalJoin(KeyedStream<T1, TKey> left, KeyedStream<T2, TKey> right)
    {
        _left = left;
        _right = right;
    }

    /// <summary>
    /// Joins a left record at time <c>t</c> with every right record of its key whose time lies in
    /// <c>[t + lower, t + upper]</c> (both ends included, as Flink's <c>between</c>); <paramref name="lower"/> may be negative.
    /// </summary>
    public IntervalJoined<T1, T2, TKey> Between(TimeSpan lower, TimeSpan upper)
    {
        if (lower > upper)
        {
            throw new ArgumentOutOfRangeException(nameof(lower), lower, $"An interval join's lower bound ({lower}) must not be above its upper bound ({upper}).");
        }

        if (lower.Ticks % TimeSpan.TicksPerMillisecond != 0 || upper.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lower), "An interval join's bounds must be whole numbers of milliseconds (event time is in milliseconds).");
        }

        return new IntervalJoined<T1, T2, TKey>(_left, _right, (long)lower.TotalMilliseconds, (long)upper.TotalMilliseconds);
    }
}
