namespace OrleansCheckpoint.Cli.Bench;

/// <summary>
/// One (query, checkpoint mode) of <c>client bench</c>; written to <c>--out</c> with snake_case names. CPU is this
/// process's (the silo, its generator sources and the client all run in it), measured from the job's start to its
/// end; Azurite runs in its own process and is reported apart. Fields that do not apply are null.
/// </summary>
internal sealed record BenchResult
{
    /// <summary>q0, q1, …, "ingest", "large-state" or "recovery".</summary>
    public required string Query { get; init; }

    /// <summary>"off" or "exactly-once".</summary>
    public required string Checkpointing { get; init; }

    /// <summary>"finished", or what went wrong.</summary>
    public required string Status { get; init; }

    public long Events { get; init; }

    public double WallS { get; init; }

    public double CpuS { get; init; }

    /// <summary>Events per wall-clock second.</summary>
    public double EventsPerS { get; init; }

    public double EventsPerCpuS { get; init; }

    public double? FlinkEventsPerCore { get; init; }

    /// <summary>Our events per CPU-second over Flink's events per second per core.</summary>
    public double? RatioToFlink { get; init; }

    public int CheckpointsCompleted { get; init; }

    public int CheckpointsAborted { get; init; }

    public double? CheckpointP50Ms { get; init; }

    public double? CheckpointP99Ms { get; init; }

    /// <summary>The 99th percentile of the instances' alignment times over the completed checkpoints.</summary>
    public double? AlignmentP99Ms { get; init; }

    /// <summary>The bytes the latest completed checkpoint wrote (all instances' snapshots).</summary>
    public long? CheckpointBytes { get; init; }

    /// <summary>
    /// The median of the bytes each completed checkpoint of the run wrote (Flink's "checkpointed size"); for
    /// "large-state", of those triggered once every key was populated.
    /// </summary>
    public long? CheckpointedBytesP50 { get; init; }

    /// <summary>The full size of the state the latest completed checkpoint describes (Flink's "full size"): what a restore reads.</summary>
    public long? StateBytes { get; init; }

    /// <summary>Peak resident memory of this process during the run (Process.PeakWorkingSet64, reset before each run where the OS allows).</summary>
    public double PeakRssMb { get; init; }

    /// <summary>Azurite's CPU seconds during the run (another process; checkpoints and ingest segments are written there).</summary>
    public double? AzuriteCpuS { get; init; }

    /// <summary>The single-threaded plain C# loop of the same query over the same events, in events per second.</summary>
    public double? BaselineEventsPerS { get; init; }

    /// <summary>
    /// The baseline per CPU-second of this process while it ran (the silo idle): with the server GC, the loop's
    /// collections also run on the other cores, so this is below <see cref="BaselineEventsPerS"/>.
    /// </summary>
    public double? BaselineEventsPerCpuS { get; init; }

    /// <summary>Our events per CPU-second over the baseline's events per second.</summary>
    public double? FractionOfBaseline { get; init; }

    /// <summary>Our events per CPU-second over the baseline's events per CPU-second (both count the GC's work).</summary>
    public double? FractionOfBaselineCpu { get; init; }

    /// <summary>With exactly-once checkpoints: our events per CPU-second over those without checkpoints (1 = free).</summary>
    public double? CheckpointOverhead { get; init; }

    /// <summary>The same ratio of events per wall-clock second.</summary>
    public double? CheckpointOverheadWall { get; init; }

    /// <summary>One core generating the events alone (no query), in events per second: a floor every query pays.</summary>
    public double? GeneratorEventsPerS { get; init; }

    /// <summary>An estimate of the share of <see cref="CpuS"/> spent generating the events (events / generator rate / cpu_s); the rest is the engine and the query.</summary>
    public double? GeneratorCpuShare { get; init; }

    /// <summary>For "ingest": megabytes per second acknowledged durable.</summary>
    public double? MbPerS { get; init; }

    /// <summary>For "large-state": the keys in the state (<c>--state-keys</c>).</summary>
    public long? StateKeys { get; init; }

    /// <summary>For "large-state": the share of the keys asked to change per second (<c>--change-fraction</c>).</summary>
    public double? ChangeFraction { get; init; }

    /// <summary>For "large-state": updates per wall-clock second once every key was populated.</summary>
    public double? UpdatesPerS { get; init; }

    /// <summary>For "large-state": distinct keys changed per second once every key was populated (updates per second over the dwell).</summary>
    public double? ChangedKeysPerS { get; init; }

    /// <summary>For "recovery": the query whose run a failure was injected into.</summary>
    public string? RecoveredQuery { get; init; }

    /// <summary>For "recovery": from the failure to processing resumed (the sources producing again, after the restore).</summary>
    public double? RecoveryMs { get; init; }

    /// <summary>
    /// For "recovery", and "large-state" with checkpoints (a run of its own, failed over once its whole state is
    /// checkpointed): from the failure to the job running again (every instance restored from the last checkpoint).
    /// </summary>
    public double? RecoveryToRunningMs { get; init; }

    /// <summary>For "recovery" and "large-state": the full size of the checkpoint the job was restored from.</summary>
    public long? RestoredCheckpointBytes { get; init; }

    /// <summary>
    /// For "recovery" and "large-state": the restart strategy's delay, part of the times above
    /// (<c>OrleansCheckpoint:Restart:Delay</c>).
    /// </summary>
    public double? RestartDelayMs { get; init; }
}
