namespace OrleansCheckpoint.Messages;

/// <summary>The life of a job.</summary>
public enum JobStatus
{
    /// <summary>Registered in the silo, never started.</summary>
    Created,

    /// <summary>Processing events.</summary>
    Running,

    /// <summary>
    /// Recovering from a failure: every instance is restored from the last completed checkpoint and the sources
    /// replay their logs from there. Pushes are refused meanwhile (retry them: they are not lost or doubled).
    /// </summary>
    Restarting,

    /// <summary>Stopping with a drain: sources have ended their input and the last windows are being emitted.</summary>
    Draining,

    /// <summary>Drained: every operator processed its whole input and stopped.</summary>
    Finished,

    /// <summary>Stopped without draining.</summary>
    Stopped,

    /// <summary>Failed; <see cref="JobInfo.FailureReason"/> says why.</summary>
    Failed,
}

/// <summary>What a client sees of a job.</summary>
/// <param name="Name">The job's registered name.</param>
/// <param name="Status">Its status.</param>
/// <param name="Parallelism">The default parallelism it was started with (0 if never started).</param>
/// <param name="Generation">Incremented on every start (and, later, every recovery); messages of older generations are dropped.</param>
/// <param name="StartedAt">When it was last started.</param>
/// <param name="FailureReason">Why it failed, if it did.</param>
/// <param name="Operators">Its operator instances: uid and parallelism per physical operator (chains named by their first operator).</param>
/// <param name="Checkpointing">The checkpoint settings it runs with (null if never started).</param>
/// <param name="LastCompletedCheckpoint">The id of its newest completed checkpoint, if any.</param>
/// <param name="Restarts">How many times it recovered from a failure since it was started.</param>
/// <param name="RestoredCheckpoint">The checkpoint its last recovery restored (null if none, or if it started empty).</param>
/// <param name="LastFailure">The last failure it recovered from (or, with <see cref="JobStatus.Failed"/>, the one that failed it).</param>
/// <param name="CoordinatorSilo">The silo its job manager and checkpoint coordinator run on.</param>
/// <param name="RestartStrategy">The restart strategy it runs with, on one line (null if never started).</param>
/// <param name="DrainRequested">A drain was asked for and is not finished: while <see cref="JobStatus.Restarting"/>, the job drains once it runs again.</param>
/// <param name="SkippedCheckpoints">
/// Checkpoints a restore passed over because a snapshot of theirs was missing or corrupt, newest first (at most 20):
/// the fallback to an older checkpoint is visible, not only logged. Null from a silo that does not keep them.
/// </param>
[GenerateSerializer, Immutable]
public sealed record JobInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] JobStatus Status,
    [property: Id(2)] int Parallelism,
    [property: Id(3)] long Generation,
    [property: Id(4)] DateTimeOffset? StartedAt,
    [property: Id(5)] string? FailureReason,
    [property: Id(6)] IReadOnlyList<OperatorInfo> Operators,
    [property: Id(7)] CheckpointSettings? Checkpointing = null,
    [property: Id(8)] long? LastCompletedCheckpoint = null,
    [property: Id(9)] int Restarts = 0,
    [property: Id(10)] long? RestoredCheckpoint = null,
    [property: Id(11)] string? LastFailure = null,
    [property: Id(12)] string? CoordinatorSilo = null,
    [property: Id(13)] string? RestartStrategy = null,
    [property: Id(14)] bool DrainRequested = false,
    [property: Id(15)] IReadOnlyList<SkippedCheckpoint>? SkippedCheckpoints = null);

/// <summary>An operator (or chain of operators) of a running job.</summary>
/// <param name="Uid">The uid of the operator (the chain's first operator).</param>
/// <param name="Chain">The uids of the operators chained into it, in order.</param>
/// <param name="Parallelism">Its number of instances.</param>
/// <param name="Inputs">The operators it reads from (none for a source).</param>
[GenerateSerializer, Immutable]
public sealed record OperatorInfo(
    [property: Id(0)] string Uid,
    [property: Id(1)] IReadOnlyList<string> Chain,
    [property: Id(2)] int Parallelism,
    [property: Id(3)] IReadOnlyList<OperatorInput>? Inputs = null);

/// <summary>How to start a job; unset values take the silo's configured defaults.</summary>
/// <param name="Parallelism">The default number of instances per operator.</param>
/// <param name="Checkpointing">The job's checkpoint settings in full, or <c>null</c> for the silo's defaults (with <paramref name="CheckpointOverrides"/>).</param>
/// <param name="CheckpointOverrides">Checkpoint settings to change from the silo's defaults (what <c>client start --checkpoint-…</c> sends).</param>
/// <param name="RestartOverrides">Restart-strategy settings to change from the silo's defaults (what <c>client start --restart-…</c> sends).</param>
/// <param name="FromSnapshot">
/// A checkpoint or savepoint of the job to restore (<c>client start --from</c>: its id, or a savepoint's path
/// <c>job/id</c>) instead of the latest; null resumes from the latest.
/// </param>
/// <param name="AllowNonRestoredState">Restore <paramref name="FromSnapshot"/> although it holds state of operators the job no longer has (dropped).</param>
[GenerateSerializer, Immutable]
public sealed record JobStartOptions(
    [property: Id(0)] int? Parallelism = null,
    [property: Id(1)] CheckpointSettings? Checkpointing = null,
    [property: Id(2)] CheckpointOverrides? CheckpointOverrides = null,
    [property: Id(3)] RestartOverrides? RestartOverrides = null,
    [property: Id(4)] string? FromSnapshot = null,
    [property: Id(5)] bool AllowNonRestoredState = false);

/// <summary>Counters of a job's instances, summed.</summary>
/// <param name="RecordsIn">Records received by operators (after the sources).</param>
/// <param name="EventsAccepted">Events accepted by the sources.</param>
/// <param name="LateRecordsDropped">Records that arrived behind their channel's watermark at a window operator and were dropped.</param>
/// <param name="ResultsEmitted">Records published by sinks.</param>
/// <param name="DeadLetters">Records the sources could not parse and wrote to their dead-letter locations.</param>
/// <param name="LateRecordsSideOutput">Records later than a window's allowed lateness that went to its late-data side output.</param>
[GenerateSerializer, Immutable]
public sealed record JobMetrics(
    [property: Id(0)] long RecordsIn,
    [property: Id(1)] long EventsAccepted,
    [property: Id(2)] long LateRecordsDropped,
    [property: Id(3)] long ResultsEmitted,
    [property: Id(4)] long DeadLetters = 0,
    [property: Id(5)] long LateRecordsSideOutput = 0)
{
    /// <summary>No counts.</summary>
    public static JobMetrics Zero { get; } = new(0, 0, 0, 0);

    /// <summary>The sum of two sets of counters.</summary>
    public static JobMetrics operator +(JobMetrics a, JobMetrics b) =>
        new(a.RecordsIn + b.RecordsIn, a.EventsAccepted + b.EventsAccepted, a.LateRecordsDropped + b.LateRecordsDropped, a.ResultsEmitted + b.ResultsEmitted,
            a.DeadLetters + b.DeadLetters, a.LateRecordsSideOutput + b.LateRecordsSideOutput);
}

/// <summary>The answer to a query of a job's state.</summary>
/// <param name="Key">The key asked for.</param>
/// <param name="ValueJson">The key's value as JSON, or <c>null</c> if the key has none.</param>
/// <param name="Committed">True for a value from the result table (committed by a completed checkpoint); false for the live, uncommitted state.</param>
/// <param name="CheckpointId">For a committed value: the checkpoint that committed the table's latest change.</param>
[GenerateSerializer, Immutable]
public sealed record QueryResult(
    [property: Id(0)] string Key,
    [property: Id(1)] string? ValueJson,
    [property: Id(2)] bool Committed = false,
    [property: Id(3)] long? CheckpointId = null);

/// <summary>A batch of results published on a job's results stream.</summary>
/// <param name="Operator">The uid of the sink that published them.</param>
/// <param name="Partition">The sink instance's partition.</param>
/// <param name="Records">The results, each as JSON.</param>
/// <param name="CheckpointId">
/// The checkpoint that committed them (0 when the job takes no checkpoints). After a failure a batch may be
/// published again with the same (operator, partition, checkpoint id, final): subscribers that want each
/// result once drop the repeat (<see cref="ResultBatch.DedupeKey"/>).
/// </param>
/// <param name="Final">True for what the sink committed at the end of its input (after a drain).</param>
/// <param name="Chunk">A commit is published in chunks small enough for the stream's cache (about 256 KB each); this is the chunk's index.</param>
[GenerateSerializer, Immutable]
public sealed record ResultBatch(
    [property: Id(0)] string Operator,
    [property: Id(1)] int Partition,
    [property: Id(2)] string[] Records,
    [property: Id(3)] long CheckpointId = 0,
    [property: Id(4)] bool Final = false,
    [property: Id(5)] int Chunk = 0)
{
    /// <summary>What identifies a committed batch: equal keys mean the same results.</summary>
    public (string Operator, int Partition, long CheckpointId, bool Final, int Chunk) DedupeKey => (Operator, Partition, CheckpointId, Final, Chunk);
}

/// <summary>Names of the Orleans stream on which jobs publish their results.</summary>
public static class ResultsStream
{
    /// <summary>The stream provider's name; configure it on clients that subscribe (<c>AddMemoryStreams(ResultsStream.ProviderName)</c>).</summary>
    public const string ProviderName = "results";

    /// <summary>The stream namespace; the stream key is the job's name.</summary>
    public const string Namespace = "results";
}
