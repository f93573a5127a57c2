namespace OrleansCheckpoint.Messages;

/// <summary>What one operator instance measures of itself (Flink's per-subtask metrics), since it was last deployed.</summary>
/// <param name="Task">The instance.</param>
/// <param name="Running">Whether it runs the job's current generation (false: every figure is empty).</param>
/// <param name="RecordsIn">Records it took in: a source's accepted or generated events, otherwise records from its channels.</param>
/// <param name="RecordsOut">Records it sent downstream, or, for a sink, committed to its output.</param>
/// <param name="RecordsInPerSecond">Records in per second over about the last second.</param>
/// <param name="RecordsOutPerSecond">Records out per second over about the last second.</param>
/// <param name="CurrentInputWatermark">The smallest watermark over its input channels (a source: the one it generates); null before the first.</param>
/// <param name="BackPressuredTimeMsPerSecond">Milliseconds per second its loop waited for downstream instances to take its output.</param>
/// <param name="LastCheckpointAlignmentMs">The alignment time of its last acknowledged snapshot.</param>
/// <param name="LastCheckpointSizeBytes">The size of its last acknowledged snapshot (its state size).</param>
/// <param name="LateRecordsDropped">Records a window dropped as late.</param>
/// <param name="Silo">The silo it runs on.</param>
/// <param name="DeadLetters">Records its source could not parse and wrote to the dead-letter location (as of its position: a replay does not count them again).</param>
[GenerateSerializer, Immutable]
public sealed record InstanceMetrics(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] bool Running,
    [property: Id(2)] long RecordsIn = 0,
    [property: Id(3)] long RecordsOut = 0,
    [property: Id(4)] double RecordsInPerSecond = 0,
    [property: Id(5)] double RecordsOutPerSecond = 0,
    [property: Id(6)] long? CurrentInputWatermark = null,
    [property: Id(7)] double BackPressuredTimeMsPerSecond = 0,
    [property: Id(8)] double? LastCheckpointAlignmentMs = null,
    [property: Id(9)] long? LastCheckpointSizeBytes = null,
    [property: Id(10)] long LateRecordsDropped = 0,
    [property: Id(11)] string? Silo = null,
    [property: Id(12)] long DeadLetters = 0);
