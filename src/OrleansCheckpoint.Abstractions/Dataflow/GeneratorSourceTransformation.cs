namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A source that generates its input inside the job instead of receiving pushes (as Flink's Nexmark runs its
/// data generator in the job): partition <c>p</c> of <c>P</c> emits the records at the global indices
/// <c>p, p + P, p + 2P, …</c> below <see cref="Count"/>, then ends its input, so the job finishes by itself.
/// It is replayable by offset: a checkpoint records how many records a partition has emitted, and after a
/// restore it generates again from there, so <see cref="EventAt"/> must be a pure function of the index.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class GeneratorSourceTransformation<T> : Transformation
{
    internal GeneratorSourceTransformation(string uid, Func<long, T> eventAt, long count, WatermarkStrategy<T>? watermarks)
        : base(uid, [])
    {
        EventAt = eventAt;
        Count = count;
        Watermarks = watermarks;
    }

    /// <summary>The record at a global index (0 ≤ index &lt; <see cref="Count"/>); the same index must always give the same record.</summary>
    public Func<long, T> EventAt { get; }

    /// <summary>How many records all partitions together generate.</summary>
    public long Count { get; }

    /// <summary>Event timestamps and watermarks, or <c>null</c> for a job without event time.</summary>
    public WatermarkStrategy<T>? Watermarks { get; }

    /// <inheritdoc />
    public override Type OutputType => typeof(T);

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitGenerator(this);
}
