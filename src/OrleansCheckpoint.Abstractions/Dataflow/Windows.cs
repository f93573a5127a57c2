namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Event-time tumbling windows: fixed-size, non-overlapping windows aligned to the Unix epoch.
/// A record with timestamp <c>t</c> belongs to the window <c>[t - t mod size, t - t mod size + size)</c>.
/// </summary>
public sealed record TumblingEventTimeWindows
{
    private TumblingEventTimeWindows(TimeSpan size) => Size = size;

    /// <summary>The window length.</summary>
    public TimeSpan Size { get; }

    /// <summary>Windows of the given length (at least one millisecond).</summary>
    public static TumblingEventTimeWindows Of(TimeSpan size)
    {
        if (size < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "A tumbling window must be at least 1 ms long.");
        }

        return new TumblingEventTimeWindows(size);
    }

    /// <summary>The start (Unix milliseconds) of the window that holds <paramref name="timestamp"/>.</summary>
    public long WindowStart(long timestamp)
    {
        var size = (long)Size.TotalMilliseconds;
        var remainder = timestamp % size;
        return timestamp - (remainder < 0 ? remainder + size : remainder);
    }
}

/// <summary>The result of a window for one key.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The aggregated value type.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="Start">The window's inclusive start.</param>
/// <param name="End">The window's exclusive end.</param>
/// <param name="Value">The aggregate of the window's records.</param>
[GenerateSerializer, Immutable]
public sealed record WindowResult<TKey, TValue>(
    [property: Id(0)] TKey Key,
    [property: Id(1)] DateTimeOffset Start,
    [property: Id(2)] DateTimeOffset End,
    [property: Id(3)] TValue Value);
