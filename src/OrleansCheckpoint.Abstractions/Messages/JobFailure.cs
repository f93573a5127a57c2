namespace OrleansCheckpoint.Messages;

/// <summary>One failure of a job, as its exception history keeps it (Flink's exception history).</summary>
/// <param name="Time">When the job manager heard of it.</param>
/// <param name="Cause">What failed, in words.</param>
/// <param name="Generation">The generation that failed.</param>
/// <param name="Instances">The operator instances the cause names (<c>job/operator/partition</c>).</param>
/// <param name="Silos">The silos those instances ran on, and any silo declared dead meanwhile.</param>
/// <param name="Restarted">True when the restart strategy restarted the job; false when the failure failed it.</param>
/// <param name="RestoredCheckpoint">The checkpoint the restart restored (null until it ran again, or when it started empty).</param>
/// <param name="RunningAgainAt">When the job ran again after it.</param>
/// <param name="SkippedCheckpoints">Newer checkpoints its restart passed over as unreadable (see <see cref="JobInfo.SkippedCheckpoints"/>); null when none.</param>
[GenerateSerializer, Immutable]
public sealed record JobFailure(
    [property: Id(0)] DateTimeOffset Time,
    [property: Id(1)] string Cause,
    [property: Id(2)] long Generation,
    [property: Id(3)] IReadOnlyList<string> Instances,
    [property: Id(4)] IReadOnlyList<string> Silos,
    [property: Id(5)] bool Restarted,
    [property: Id(6)] long? RestoredCheckpoint = null,
    [property: Id(7)] DateTimeOffset? RunningAgainAt = null,
    [property: Id(8)] IReadOnlyList<long>? SkippedCheckpoints = null);
