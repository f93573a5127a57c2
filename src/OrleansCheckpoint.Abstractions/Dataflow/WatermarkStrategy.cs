namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// How a source assigns event timestamps and watermarks. With bounded out-of-orderness, a source partition's
/// watermark is the largest timestamp it has seen minus the bound (minus 1 ms): it promises that no record
/// older than that will follow. A record that arrives behind the watermark of its channel anyway is late:
/// windows count and drop it (it is reported in the job's metrics, never silently lost).
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class WatermarkStrategy<T>
{
    private WatermarkStrategy(Func<T, DateTimeOffset> timestamp, TimeSpan outOfOrderness)
    {
        Timestamp = timestamp;
        OutOfOrderness = outOfOrderness;
    }

    /// <summary>The event timestamp of a record.</summary>
    public Func<T, DateTimeOffset> Timestamp { get; }

    /// <summary>How far behind the newest timestamp a record may still arrive without being late.</summary>
    public TimeSpan OutOfOrderness { get; }

    /// <summary>Watermarks that trail the largest timestamp seen by <paramref name="outOfOrderness"/>.</summary>
    public static WatermarkStrategy<T> ForBoundedOutOfOrderness(TimeSpan outOfOrderness, Func<T, DateTimeOffset> timestamp)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        if (outOfOrderness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(outOfOrderness), outOfOrderness, "The out-of-orderness bound cannot be negative.");
        }

        return new WatermarkStrategy<T>(timestamp, outOfOrderness);
    }
}
