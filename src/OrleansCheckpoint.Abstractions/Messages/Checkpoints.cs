namespace OrleansCheckpoint.Messages;

/// <summary>How a job's checkpoints treat operators with several inputs.</summary>
public enum CheckpointMode
{
    /// <summary>
    /// Aligned barriers: an operator holds back a channel that delivered barrier N until N arrived on every
    /// channel, so the snapshot holds exactly the records before the barrier (exactly-once state).
    /// </summary>
    ExactlyOnce,

    /// <summary>No alignment: channels keep flowing, so after a restore some records may count twice (at-least-once state).</summary>
    AtLeastOnce,
}

/// <summary>What a snapshot of the whole job is for.</summary>
public enum SnapshotKind
{
    /// <summary>Taken on the job's interval for recovery; retention removes it, and its state may be stored in shared incremental pieces.</summary>
    Checkpoint,

    /// <summary>
    /// Taken when asked for (<c>client savepoint</c>, <c>client stop --savepoint</c>): self-contained (no piece shared with
    /// anything else), in the canonical format, never removed by retention, restorable at another parallelism.
    /// </summary>
    Savepoint,
}

/// <summary>
/// Where an operator instance's snapshot for a checkpoint is, and what it cost. Sent with the acknowledgement
/// and kept in the checkpoint's manifest.
/// </summary>
/// <param name="Task">The instance.</param>
/// <param name="CheckpointId">The checkpoint.</param>
/// <param name="StateName">The grain-storage state name of the snapshot (it contains the checkpoint id, so it is never overwritten).</param>
/// <param name="SizeBytes">The snapshot's serialized size.</param>
/// <param name="Checksum">XxHash64 of the snapshot's payload, checked on restore.</param>
/// <param name="SyncMs">Time on the processing path to capture the state.</param>
/// <param name="AsyncMs">Time to serialize and upload it, while processing went on.</param>
/// <param name="AlignmentMs">Time from the first to the last barrier of the checkpoint at this instance.</param>
/// <param name="StartDelayMs">Time from the checkpoint's trigger to its first barrier's arrival at this instance (Flink's start delay).</param>
/// <param name="FullSizeBytes">
/// The serialized size of the instance's whole state at this checkpoint (Flink's "full size"): with incremental
/// checkpoints it counts the pieces shared with earlier checkpoints too, while <paramref name="SizeBytes"/> counts only
/// what this checkpoint wrote (Flink's "checkpointed size"). 0 when not known (snapshots of a version that kept none):
/// read it through <see cref="SnapshotHandles.FullSize"/>.
/// </param>
/// <param name="Pieces">
/// With incremental checkpoints: the pieces of keyed state the snapshot's index names, oldest first (the restore chain).
/// The coordinator counts references on them for retention without reading any blob. Null for a snapshot in one blob.
/// </param>
[GenerateSerializer, Immutable]
public sealed record SnapshotHandle(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] long CheckpointId,
    [property: Id(2)] string StateName,
    [property: Id(3)] long SizeBytes,
    [property: Id(4)] string Checksum,
    [property: Id(5)] double SyncMs,
    [property: Id(6)] double AsyncMs,
    [property: Id(7)] double AlignmentMs,
    [property: Id(8)] double StartDelayMs = 0,
    [property: Id(9)] long FullSizeBytes = 0,
    [property: Id(10)] IReadOnlyList<StatePiece>? Pieces = null);

/// <summary>
/// One piece of an instance's keyed state, stored beside its snapshot index under the instance's snapshot grain id.
/// A piece is written once, by checkpoint <paramref name="CheckpointId"/>, and shared by the later checkpoints whose
/// chains name it until retention drops the last of them.
/// </summary>
/// <param name="CheckpointId">The checkpoint that wrote it.</param>
/// <param name="Name">Its grain-storage state name (<c>piece-{CheckpointId:D10}</c>).</param>
/// <param name="SizeBytes">Its serialized size.</param>
/// <param name="Checksum">XxHash64 of its payload, checked on restore.</param>
/// <param name="Full">Whether it holds all entries (a chain's start); otherwise the changes since the previous piece.</param>
[GenerateSerializer, Immutable]
public sealed record StatePiece(
    [property: Id(0)] long CheckpointId,
    [property: Id(1)] string Name,
    [property: Id(2)] long SizeBytes,
    [property: Id(3)] string Checksum,
    [property: Id(4)] bool Full);

/// <summary>Sizes of snapshot handles.</summary>
public static class SnapshotHandles
{
    /// <summary>The full state size of <paramref name="handle"/>: its <see cref="SnapshotHandle.FullSizeBytes"/>, or what it wrote when that is not known.</summary>
    public static long FullSize(this SnapshotHandle handle) => handle.FullSizeBytes > 0 ? handle.FullSizeBytes : handle.SizeBytes;
}

/// <summary>The life of a checkpoint.</summary>
public enum CheckpointStatus
{
    /// <summary>Triggered; acknowledgements still owed.</summary>
    InProgress,

    /// <summary>Every instance acknowledged and the manifest is written.</summary>
    Completed,

    /// <summary>Timed out or declined; its snapshots were deleted.</summary>
    Aborted,
}

/// <summary>Statistics of one checkpoint.</summary>
/// <param name="Id">The checkpoint id.</param>
/// <param name="Status">Its status.</param>
/// <param name="TriggeredAt">When it was triggered.</param>
/// <param name="DurationMs">From trigger to completion or abort (so far, while in progress).</param>
/// <param name="SizeBytes">The bytes its snapshots wrote (acknowledged so far; Flink's "checkpointed size").</param>
/// <param name="Acknowledged">Instances that acknowledged.</param>
/// <param name="Total">Instances that owe an acknowledgement in all.</param>
/// <param name="FailureReason">Why it was aborted.</param>
/// <param name="Instances">Per instance: sizes and sync / async / alignment times.</param>
/// <param name="Kind">A checkpoint or a savepoint.</param>
[GenerateSerializer, Immutable]
public sealed record CheckpointStats(
    [property: Id(0)] long Id,
    [property: Id(1)] CheckpointStatus Status,
    [property: Id(2)] DateTimeOffset TriggeredAt,
    [property: Id(3)] double DurationMs,
    [property: Id(4)] long SizeBytes,
    [property: Id(5)] int Acknowledged,
    [property: Id(6)] int Total,
    [property: Id(7)] string? FailureReason,
    [property: Id(8)] IReadOnlyList<SnapshotHandle> Instances,
    [property: Id(9)] SnapshotKind Kind = SnapshotKind.Checkpoint)
{
    /// <summary>The size of the whole state its snapshots describe, pieces shared with earlier checkpoints included (Flink's "full size").</summary>
    public long FullSizeBytes => Instances.Sum(h => h.FullSize());
}

/// <summary>
/// Checkpoint settings of a job. The silo's configuration gives the defaults
/// (<c>OrleansCheckpoint:Checkpointing</c>); <c>client start</c> can set each of them per job.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointSettings
{
    /// <summary>Whether the job takes checkpoints. Default true.</summary>
    [Id(0)]
    public bool Enabled { get; init; } = true;

    /// <summary>Time between the triggers of two checkpoints. Default 1 s.</summary>
    [Id(1)]
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A checkpoint not completed after this long is aborted. Default 60 s; at least the interval.</summary>
    [Id(2)]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Minimum time from the end of one checkpoint to the trigger of the next. Default 0.</summary>
    [Id(3)]
    public TimeSpan MinPause { get; init; } = TimeSpan.Zero;

    /// <summary>How many checkpoints may be in progress at once. Default 1.</summary>
    [Id(4)]
    public int MaxConcurrent { get; init; } = 1;

    /// <summary>Consecutive failed checkpoints tolerated before the job fails. Default 3.</summary>
    [Id(5)]
    public int TolerableFailures { get; init; } = 3;

    /// <summary>Completed checkpoints kept; older ones are deleted. Default 2.</summary>
    [Id(6)]
    public int Retained { get; init; } = 2;

    /// <summary>Aligned (exactly-once) or not (at-least-once). Default exactly-once.</summary>
    [Id(7)]
    public CheckpointMode Mode { get; init; } = CheckpointMode.ExactlyOnce;

    /// <summary>
    /// Whether a checkpoint writes only the keyed state that changed since the instance's last completed checkpoint
    /// (pieces shared between checkpoints), rather than all of it. Default true.
    /// </summary>
    [Id(8)]
    public bool Incremental { get; init; } = true;

    /// <summary>
    /// With <see cref="Incremental"/>: the most pieces an instance's state may be spread over; the checkpoint that would
    /// add one more merges them into one full piece instead (bounding the restore chain). Default 10; 1 makes every checkpoint full.
    /// </summary>
    [Id(9)]
    public int ConsolidateAfter { get; init; } = 10;

    /// <summary>
    /// The problems of these settings (empty when valid), each naming its setting by its property name here
    /// (<c>Interval</c>, <c>Timeout</c>, …): the silo's configuration and the client's options spell it their own way.
    /// </summary>
    public IReadOnlyList<CheckpointSettingProblem> Validate()
    {
        var problems = new List<CheckpointSettingProblem>();
        var minimumInterval = TimeSpan.FromMilliseconds(10);
        void Require(bool ok, string setting, string message)
        {
            if (!ok)
            {
                problems.Add(new CheckpointSettingProblem(setting, message));
            }
        }

        Require(Interval >= minimumInterval, nameof(Interval), $"must be at least {minimumInterval.TotalMilliseconds:0} ms (got {Interval.TotalMilliseconds} ms)");
        Require(Timeout >= Interval, nameof(Timeout), $"must be at least the interval, {Interval.TotalMilliseconds} ms (got {Timeout.TotalMilliseconds} ms)");
        Require(MinPause >= TimeSpan.Zero, nameof(MinPause), $"must not be negative (got {MinPause.TotalMilliseconds} ms)");
        Require(MaxConcurrent >= 1, nameof(MaxConcurrent), $"must be at least 1 (got {MaxConcurrent})");
        Require(TolerableFailures >= 0, nameof(TolerableFailures), $"must not be negative (got {TolerableFailures})");
        Require(Retained >= 1, nameof(Retained), $"must be at least 1: a job keeps its latest completed checkpoint (got {Retained})");
        Require(ConsolidateAfter >= 1, nameof(ConsolidateAfter), $"must be at least 1 (got {ConsolidateAfter})");
        Require(Enum.IsDefined(Mode), nameof(Mode), $"must be {CheckpointMode.ExactlyOnce} (exactly-once) or {CheckpointMode.AtLeastOnce} (at-least-once) (got {(int)Mode})");
        return problems;
    }
}

/// <summary>An invalid checkpoint setting.</summary>
/// <param name="Setting">The name of the <see cref="CheckpointSettings"/> property (<c>Interval</c>, <c>Timeout</c>, …).</param>
/// <param name="Message">What is wrong with its value, e.g. <c>must be at least 10 ms (got 0 ms)</c>.</param>
[GenerateSerializer, Immutable]
public sealed record CheckpointSettingProblem([property: Id(0)] string Setting, [property: Id(1)] string Message);

/// <summary>Checkpoint settings to change from the silo's defaults; unset ones keep the default.</summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointOverrides
{
    /// <summary>See <see cref="CheckpointSettings.Enabled"/>.</summary>
    [Id(0)]
    public bool? Enabled { get; init; }

    /// <summary>See <see cref="CheckpointSettings.Interval"/>.</summary>
    [Id(1)]
    public TimeSpan? Interval { get; init; }

    /// <summary>See <see cref="CheckpointSettings.Timeout"/>.</summary>
    [Id(2)]
    public TimeSpan? Timeout { get; init; }

    /// <summary>See <see cref="CheckpointSettings.MinPause"/>.</summary>
    [Id(3)]
    public TimeSpan? MinPause { get; init; }

    /// <summary>See <see cref="CheckpointSettings.MaxConcurrent"/>.</summary>
    [Id(4)]
    public int? MaxConcurrent { get; init; }

    /// <summary>See <see cref="CheckpointSettings.TolerableFailures"/>.</summary>
    [Id(5)]
    public int? TolerableFailures { get; init; }

    /// <summary>See <see cref="CheckpointSettings.Retained"/>.</summary>
    [Id(6)]
    public int? Retained { get; init; }

    /// <summary>See <see cref="CheckpointSettings.Mode"/>.</summary>
    [Id(7)]
    public CheckpointMode? Mode { get; init; }

    /// <summary>See <see cref="CheckpointSettings.Incremental"/>.</summary>
    [Id(8)]
    public bool? Incremental { get; init; }

    /// <summary>See <see cref="CheckpointSettings.ConsolidateAfter"/>.</summary>
    [Id(9)]
    public int? ConsolidateAfter { get; init; }

    /// <summary>The settings that result from applying these overrides to <paramref name="defaults"/>.</summary>
    public CheckpointSettings ApplyTo(CheckpointSettings defaults) => defaults with
    {
        Enabled = Enabled ?? defaults.Enabled,
        Interval = Interval ?? defaults.Interval,
        Timeout = Timeout ?? defaults.Timeout,
        MinPause = MinPause ?? defaults.MinPause,
        MaxConcurrent = MaxConcurrent ?? defaults.MaxConcurrent,
        TolerableFailures = TolerableFailures ?? defaults.TolerableFailures,
        Retained = Retained ?? defaults.Retained,
        Mode = Mode ?? defaults.Mode,
        Incremental = Incremental ?? defaults.Incremental,
        ConsolidateAfter = ConsolidateAfter ?? defaults.ConsolidateAfter,
    };
}
