namespace OrleansCheckpoint.Dataflow;

/// <summary>Which clock a timer of a keyed process function follows (Flink's <c>TimeDomain</c>).</summary>
public enum TimeDomain
{
    /// <summary>Event time: the timer fires once the operator's watermark reaches its time.</summary>
    EventTime,

    /// <summary>Processing time: the timer fires once the wall clock of the instance running it reaches its time.</summary>
    ProcessingTime,
}
