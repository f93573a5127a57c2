using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>What a job's instances tell its job manager (the same grain as <see cref="IJobManagerGrain"/>): the runtime's own protocol.</summary>
internal interface IJobManagerGateway : IGrainWithStringKey
{
    /// <summary>For the runtime: <paramref name="task"/> processed its whole input after a drain.</summary>
    Task ReportFinishedAsync(TaskId task, long generation);

    /// <summary>
    /// For the runtime: a source that ends its input by itself (a generator) asks how the sinks commit at the end. The
    /// first such call makes the job finish like a drain (status Draining, checkpoints stop, the final commit id
    /// reserved); every later one, also after a recovery, gets the same answer. Null for a generation not current.
    /// </summary>
    Task<FinalCommit?> EndInputAsync(TaskId task, long generation);

    /// <summary>For the runtime: <paramref name="task"/> failed; the job recovers from its last checkpoint (or fails, per its restart strategy).</summary>
    Task ReportFailureAsync(TaskId task, long generation, string reason);
}
