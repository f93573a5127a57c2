using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>What an operator instance knows of where it runs and of the batch it is processing.</summary>
internal sealed class OperatorContext(
    TaskId task, int maxParallelism, KeyGroupRange keyGroups, IResultsPublisher results, IGrainFactory grains, Sinks.IOutputFiles files, bool checkpointing,
    long lastCheckpointIdAtDeployment = 0)
{
    /// <summary>The highest checkpoint id the job had used when this instance was deployed (see <see cref="TaskDeployment.LastCheckpointId"/>).</summary>
    public long LastCheckpointIdAtDeployment { get; } = lastCheckpointIdAtDeployment;

    /// <summary>Once the input ended in a drain: how the sinks commit what is left (see <see cref="Messages.FinalCommit"/>).</summary>
    public Messages.FinalCommit? FinalCommit { get; set; }

    /// <summary>For sinks that write files (the file sink).</summary>
    public Sinks.IOutputFiles Files { get; } = files;

    public TaskId Task { get; } = task;

    /// <summary>For sinks that write to grains (the result table).</summary>
    public IGrainFactory Grains { get; } = grains;

    /// <summary>Whether the job takes checkpoints; without, sinks commit at once.</summary>
    public bool Checkpointing { get; } = checkpointing;

    public int MaxParallelism { get; } = maxParallelism;

    /// <summary>The key groups this instance owns.</summary>
    public KeyGroupRange KeyGroups { get; } = keyGroups;

    public IResultsPublisher Results { get; } = results;

    /// <summary>The watermark of the channel the current batch came from, before the batch: records behind it are late.</summary>
    public long CurrentInputWatermark { get; set; } = long.MinValue;

    /// <summary>This instance's watermark: the minimum over its input channels.</summary>
    public long CurrentWatermark { get; set; } = long.MinValue;

    /// <summary>The clock processing-time timers follow (the silo's <see cref="TimeProvider"/>; a fake one in unit tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The clock's time now, in Unix milliseconds.</summary>
    public long ProcessingTime => Time.GetUtcNow().ToUnixTimeMilliseconds();

    public TaskCounters Counters { get; } = new();

    /// <summary>Copies of state values that a snapshot shares (Orleans' deep copiers); null where no operator needs them (unit tests).</summary>
    public State.StateCopiers? Copiers { get; init; }

    /// <summary>Whether keyed state tables record their changed entries (incremental checkpoints).</summary>
    public bool TrackStateChanges { get; init; }

    /// <summary>For sources that parse records: where the records they reject go; null where none is configured (unit tests).</summary>
    public Sources.DeadLetters? DeadLetters { get; init; }

    /// <summary>For file sources: the files they read; null where none is configured (unit tests).</summary>
    public Sources.ISourceFiles? SourceFiles { get; init; }
}

/// <summary>An operator instance's counters.</summary>
internal sealed class TaskCounters
{
    public long RecordsIn { get; set; }

    public long EventsAccepted { get; set; }

    public long LateRecordsDropped { get; set; }

    /// <summary>Late records a window sent to its late-data side output instead of dropping them.</summary>
    public long LateRecordsSideOutput { get; set; }

    public long ResultsEmitted { get; set; }

    /// <summary>A source's records written to its dead-letter location, up to its position (restored with it).</summary>
    public long DeadLetters { get; set; }

    public Messages.JobMetrics ToMetrics() => new(RecordsIn, EventsAccepted, LateRecordsDropped, ResultsEmitted, DeadLetters, LateRecordsSideOutput);
}

/// <summary>Publishes a sink's results on the job's results stream.</summary>
internal interface IResultsPublisher
{
    Task PublishAsync(ResultBatch batch);
}
