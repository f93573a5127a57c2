namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Event-time session windows (Flink's <c>EventTimeSessionWindows.withGap</c>): a record with timestamp <c>t</c> opens
/// the session <c>[t, t + gap)</c>, and a key's sessions that overlap or touch merge into one, so a session holds records
/// no more than the gap apart and ends one gap after its last record. A record that arrives out of order may bridge
/// two sessions: they merge (their accumulators with <see cref="IMergeableAggregateFunction{TIn, TAcc, TOut}.Merge"/>).
/// A session fires when the watermark passes its end; a record whose session (merged) would already have ended by its
/// channel's watermark is late: counted and dropped.
/// </summary>
public sealed record EventTimeSessionWindows
{
    private EventTimeSessionWindows(TimeSpan gap)
    {
        Gap = gap;
        GapMs = (long)gap.TotalMilliseconds;
    }

    /// <summary>The inactivity that ends a session.</summary>
    public TimeSpan Gap { get; }

    /// <summary>The gap in milliseconds.</summary>
    public long GapMs { get; }

    /// <summary>Sessions that end <paramref name="gap"/> (a whole number of milliseconds, at least one) after their last record.</summary>
    public static EventTimeSessionWindows WithGap(TimeSpan gap)
    {
        if (gap < TimeSpan.FromMilliseconds(1) || gap.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(gap), gap, "A session gap must be a whole number of milliseconds, at least 1 ms (event time is in milliseconds).");
        }

        return new EventTimeSessionWindows(gap);
    }
}
