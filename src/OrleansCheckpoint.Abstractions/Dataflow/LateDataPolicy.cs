namespace OrleansCheckpoint.Dataflow;

/// <summary>What a window does with late records: how long it keeps its state for them, and where later ones go.</summary>
/// <typeparam name="T">The window's input record type.</typeparam>
/// <param name="AllowedLatenessMs">How long (ms) after a window's end − 1 it takes records (and fires again for each).</param>
/// <param name="Tag">The side output of records later than that; null: counted and dropped.</param>
internal readonly record struct LateDataPolicy<T>(long AllowedLatenessMs, OutputTag<T>? Tag)
{
    /// <summary>Checks a lateness given to <c>AllowedLateness</c> and returns it in milliseconds.</summary>
    public static long Check(TimeSpan lateness) =>
        lateness >= TimeSpan.Zero && lateness.Ticks % TimeSpan.TicksPerMillisecond == 0
            ? (long)lateness.TotalMilliseconds
            : throw new ArgumentOutOfRangeException(
                nameof(lateness), lateness, "The allowed lateness must be zero or positive, in whole milliseconds.");
}
