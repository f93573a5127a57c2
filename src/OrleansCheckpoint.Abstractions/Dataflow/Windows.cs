namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Event-time windows of a fixed <see cref="Size"/> whose starts are the multiples of <see cref="Slide"/> (Unix
/// milliseconds, aligned to the epoch, also before it): a record with timestamp <c>t</c> belongs to every window
/// <c>[start, start + size)</c> that contains <c>t</c>. <see cref="TumblingEventTimeWindows"/> (slide = size, one
/// window per record) and <see cref="SlidingEventTimeWindows"/> (slide &lt; size, overlapping windows) are the two
/// kinds; they follow Flink's assigners of the same names (without offset).
/// </summary>
public abstract record EventTimeWindows
{
    private protected EventTimeWindows(TimeSpan size, TimeSpan slide)
    {
        Size = size;
        Slide = slide;
        SizeMs = (long)size.TotalMilliseconds;
        SlideMs = (long)slide.TotalMilliseconds;
    }

    /// <summary>The window length.</summary>
    public TimeSpan Size { get; }

    /// <summary>The distance between the starts of consecutive windows (the size, for tumbling windows).</summary>
    public TimeSpan Slide { get; }

    /// <summary>The window length in milliseconds.</summary>
    public long SizeMs { get; }

    /// <summary>The slide in milliseconds.</summary>
    public long SlideMs { get; }

    /// <summary>The starts (Unix milliseconds) of the windows that hold <paramref name="timestamp"/>, latest first. Allocates nothing.</summary>
    public WindowStartRange WindowStarts(long timestamp)
    {
        var latest = LatestStart(timestamp);
        var count = (int)((SizeMs - (timestamp - latest) + SlideMs - 1) / SlideMs);
        return new WindowStartRange(latest, SlideMs, count);
    }

    /// <summary>The start of the latest window that holds <paramref name="timestamp"/>: the largest multiple of the slide not after it.</summary>
    public long LatestStart(long timestamp)
    {
        var remainder = timestamp % SlideMs;
        return timestamp - (remainder < 0 ? remainder + SlideMs : remainder);
    }

    /// <summary>Throws unless <paramref name="value"/> is a whole number of milliseconds, at least one.</summary>
    private protected static void RequireWholeMilliseconds(TimeSpan value, string name, string what)
    {
        if (value < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{what} must be at least 1 ms.");
        }

        if (value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{what} must be a whole number of milliseconds (event time is in milliseconds).");
        }
    }
}

/// <summary>
/// Event-time tumbling windows: fixed-size, non-overlapping windows aligned to the Unix epoch.
/// A record with timestamp <c>t</c> belongs to the window <c>[t - t mod size, t - t mod size + size)</c>.
/// </summary>
public sealed record TumblingEventTimeWindows : EventTimeWindows
{
    private TumblingEventTimeWindows(TimeSpan size)
        : base(size, size)
    {
    }

    /// <summary>Windows of the given length (a whole number of milliseconds, at least one).</summary>
    public static TumblingEventTimeWindows Of(TimeSpan size)
    {
        RequireWholeMilliseconds(size, nameof(size), "A tumbling window's size");
        return new TumblingEventTimeWindows(size);
    }

    /// <summary>The start (Unix milliseconds) of the window that holds <paramref name="timestamp"/>.</summary>
    public long WindowStart(long timestamp) => LatestStart(timestamp);
}

/// <summary>
/// Event-time sliding (hopping) windows: windows of a fixed size that start every <see cref="EventTimeWindows.Slide"/>,
/// so that a record belongs to about size / slide of them. <c>Of(10 s, 2 s)</c> puts a record at 12.5 s into the
/// windows starting at 4, 6, 8, 10 and 12 s.
/// </summary>
public sealed record SlidingEventTimeWindows : EventTimeWindows
{
    private SlidingEventTimeWindows(TimeSpan size, TimeSpan slide)
        : base(size, slide)
    {
    }

    /// <summary>
    /// Windows of length <paramref name="size"/> starting every <paramref name="slide"/> (both whole milliseconds;
    /// size ≥ 1 ms, 0 &lt; slide ≤ size: a larger slide would leave records in no window).
    /// </summary>
    public static SlidingEventTimeWindows Of(TimeSpan size, TimeSpan slide)
    {
        RequireWholeMilliseconds(size, nameof(size), "A sliding window's size");
        RequireWholeMilliseconds(slide, nameof(slide), "A sliding window's slide");
        if (slide > size)
        {
            throw new ArgumentOutOfRangeException(
                nameof(slide), slide, $"A sliding window's slide ({slide}) must not exceed its size ({size}): the records between two windows would belong to none.");
        }

        return new SlidingEventTimeWindows(size, slide);
    }
}

/// <summary>The starts of the windows that hold one timestamp, latest first: a value that <c>foreach</c> walks without allocating.</summary>
/// <param name="Latest">The latest start.</param>
/// <param name="Slide">The distance between two starts, in milliseconds.</param>
/// <param name="Count">How many windows hold the timestamp.</param>
public readonly record struct WindowStartRange(long Latest, long Slide, int Count)
{
    /// <summary>The earliest start.</summary>
    public long Earliest => Latest - ((Count - 1) * Slide);

    /// <summary>Enumerates the starts, latest first.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Walks the starts, latest first.</summary>
    public struct Enumerator
    {
        private readonly WindowStartRange _starts;
        private int _index;

        internal Enumerator(WindowStartRange starts)
        {
            _starts = starts;
            _index = -1;
        }

        /// <summary>The current start.</summary>
        public readonly long Current => _starts.Latest - (_index * _starts.Slide);

        /// <summary>Moves to the next (earlier) start.</summary>
        public bool MoveNext() => ++_index < _starts.Count;
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
