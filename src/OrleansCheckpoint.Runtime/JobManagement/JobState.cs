using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>The persisted state of a job manager.</summary>
[GenerateSerializer]
internal sealed class JobState
{
    [Id(0)]
    public JobStatus Status { get; set; } = JobStatus.Created;

    [Id(1)]
    public int Parallelism { get; set; }

    /// <summary>Fixed at the first start: the number of key groups.</summary>
    [Id(2)]
    public int MaxParallelism { get; set; }

    [Id(3)]
    public long Generation { get; set; }

    [Id(4)]
    public DateTimeOffset? StartedAt { get; set; }

    [Id(5)]
    public string? FailureReason { get; set; }

    /// <summary>During a drain: the instances that have processed their whole input.</summary>
    [Id(6)]
    public HashSet<string> FinishedTasks { get; set; } = [];

    /// <summary>The checkpoint settings the job runs with.</summary>
    [Id(7)]
    public CheckpointSettings Checkpointing { get; set; } = new();

    /// <summary>The id of the last checkpoint triggered (ids never repeat, across restarts too).</summary>
    [Id(8)]
    public long LastCheckpointId { get; set; }

    /// <summary>The retained completed checkpoints, oldest first.</summary>
    [Id(9)]
    public List<Checkpointing.CompletedCheckpoint> CompletedCheckpoints { get; set; } = [];

    /// <summary>Restarts after failures since the job was last started.</summary>
    [Id(10)]
    public int Restarts { get; set; }

    /// <summary>When those restarts happened (for the restart strategy's window).</summary>
    [Id(11)]
    public List<DateTimeOffset> RestartTimes { get; set; } = [];

    /// <summary>The checkpoint the current generation was restored from.</summary>
    [Id(12)]
    public long? RestoredCheckpoint { get; set; }

    /// <summary>The last failure recovered from.</summary>
    [Id(13)]
    public string? LastFailure { get; set; }

    /// <summary>The restart strategy the job runs with (null for a job started before it was kept: the silo's).</summary>
    [Id(14)]
    public Recovery.RestartSettings? Restart { get; set; }

    /// <summary>While <see cref="JobStatus.Restarting"/> after a failure: when the restart strategy's delay is over and the job is redeployed.</summary>
    [Id(15)]
    public DateTimeOffset? RedeployAt { get; set; }

    /// <summary>
    /// A drain was asked for and the job has not finished it: it drains when running again after a recovery
    /// (a stop with a drain during a restart, or a failure during a drain).
    /// </summary>
    [Id(16)]
    public bool DrainRequested { get; set; }

    /// <summary>Reserved when the drain first started: how its sinks commit, the same in every attempt of it.</summary>
    [Id(17)]
    public FinalCommit? DrainCommit { get; set; }

    /// <summary>The job's last failures, newest first (its exception history, at most <see cref="JobManagerGrain.FailureHistory"/>).</summary>
    [Id(18)]
    public List<JobFailure> Failures { get; set; } = [];

    /// <summary>Checkpoints restores passed over as unreadable, newest first (at most <see cref="JobManagerGrain.SkippedCheckpointHistory"/>).</summary>
    [Id(19)]
    public List<SkippedCheckpoint> SkippedCheckpoints { get; set; } = [];

    /// <summary>The job's savepoints, oldest first: kept until disposed of, outside retention.</summary>
    [Id(20)]
    public List<Checkpointing.CompletedCheckpoint> Savepoints { get; set; } = [];

    /// <summary>
    /// The savepoints a recovery may restore besides the retained checkpoints: the one the job was started from and those
    /// taken since (not those of the history a <c>--from</c> start left behind).
    /// </summary>
    [Id(21)]
    public List<long> RecoverySavepoints { get; set; } = [];

    /// <summary>
    /// The source instances the current start added by a rescale (by grain key): where each starts reading its ingest-log
    /// partition (its end when the job started), for every deployment that restores the same snapshot.
    /// </summary>
    [Id(22)]
    public Dictionary<string, long> LogStarts { get; set; } = [];

    /// <summary>
    /// A stop with a savepoint whose savepoint completed and whose job is not stopped yet: the manager (this activation or
    /// the next, if this one is lost) commits the sinks up to it and stops the job.
    /// </summary>
    [Id(23)]
    public long? StoppingWith { get; set; }

    /// <summary>A copy whose lists are its own (to put back when a start from a chosen snapshot fails).</summary>
    public JobState Copy()
    {
        var copy = (JobState)MemberwiseClone();
        copy.FinishedTasks = [.. FinishedTasks];
        copy.CompletedCheckpoints = [.. CompletedCheckpoints];
        copy.RestartTimes = [.. RestartTimes];
        copy.Failures = [.. Failures];
        copy.SkippedCheckpoints = [.. SkippedCheckpoints];
        copy.Savepoints = [.. Savepoints];
        copy.RecoverySavepoints = [.. RecoverySavepoints];
        copy.LogStarts = new Dictionary<string, long>(LogStarts);
        return copy;
    }
}
