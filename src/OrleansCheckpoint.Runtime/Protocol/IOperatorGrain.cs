using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>
/// One operator instance (key: <c>job/operator/partition</c>, see <see cref="TaskId"/>). It receives batches
/// from its upstream instances in FIFO order, processes them one at a time and sends its output downstream.
/// A delivery completes once the batch is queued at the receiver; the queue is bounded, so a slow
/// operator slows its senders all the way back to the client (backpressure, not buffering).
/// </summary>
internal interface IOperatorGrain : IOperatorInstanceGrain
{
    /// <summary>Starts the instance for a generation of its job (idempotent).</summary>
    Task DeployAsync(TaskDeployment deployment);

    /// <summary>Delivers the next batch of one input channel.</summary>
    Task DeliverAsync(ChannelBatch batch);

    /// <summary>
    /// For a source: ends its input once what it accepted is logged and queued, so every window downstream is emitted
    /// and the sinks commit as <paramref name="commit"/> says. Returns at once; the instance reports when it finished.
    /// </summary>
    Task DrainAsync(long generation, FinalCommit commit);

    /// <summary>Stops the instance and drops its in-memory state.</summary>
    Task CancelAsync(long generation);

    /// <summary>
    /// For a source: takes its snapshot for <paramref name="barrier"/> and sends the barrier downstream after the
    /// events accepted so far. Does not wait for room: the barrier jumps no event, but no queue either.
    /// </summary>
    Task TriggerCheckpointAsync(long generation, CheckpointBarrier barrier);

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> completed: every instance's snapshot is durable. Nothing older
    /// than <paramref name="oldestRetained"/> will be restored any more (sources drop the log before it).
    /// </summary>
    Task NotifyCheckpointCompleteAsync(long generation, long checkpointId, long oldestRetained);

    /// <summary>Checkpoint <paramref name="checkpointId"/> was aborted: stop aligning it and forget its snapshot.</summary>
    Task AbortCheckpointAsync(long generation, long checkpointId);

    /// <summary>The current value of <paramref name="key"/> in this instance's queryable state, as JSON.</summary>
    Task<string?> QueryAsync(string key);

    /// <summary>Whether the instance runs <paramref name="generation"/> of its job, or ran it to its end (a fresh activation that lost its state does neither).</summary>
    Task<InstanceState> GetStateAsync(long generation);

    /// <summary>The silo this instance is active on (the job manager follows membership with it).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<SiloAddress> GetSiloAsync();

    /// <summary>This instance's counters.</summary>
    Task<JobMetrics> GetMetricsAsync();
}
