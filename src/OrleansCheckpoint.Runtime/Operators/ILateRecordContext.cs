namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// What the runtime's own keyed functions (the joins) see beyond <see cref="Dataflow.IKeyedContext{TKey}"/>: lateness
/// judged by the watermark of the channel the record came from — which depends only on that upstream partition's
/// order, so a replay after a failure decides alike — and emitting with a timestamp of their choosing.
/// </summary>
internal interface ILateRecordContext
{
    /// <summary>Whether a record at <paramref name="timestamp"/> is behind its channel's watermark (no record at or before it is expected).</summary>
    bool IsLate(long timestamp);

    /// <summary>Counts a late record that is dropped.</summary>
    void DropLate();
}

/// <summary>Emits records with a timestamp of the function's choosing (a join's pair: the later of its two; a window's: its last millisecond).</summary>
/// <typeparam name="T">The record type.</typeparam>
internal interface ITimestampedCollector<in T>
{
    void Collect(T value, long timestamp);
}
