using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// The job manager's checkpoint face: it hosts the job's <see cref="CheckpointCoordinator"/> (one per job),
/// drives it with a grain timer, and gives it what it needs (the instances, storage, notifications).
/// </summary>
internal sealed partial class JobManagerGrain : ICheckpointCoordinatorGrain, ICheckpointCoordinatorGateway, ICheckpointEnvironment
{
    private CheckpointCoordinator? _coordinator;
    private CheckpointStatsTracker? _stats;

    // Outlives the coordinators of this activation, so the history survives a stop or a failure.
    private CheckpointStatsTracker Stats => _stats ??= new CheckpointStatsTracker(Job, TimeProvider.System, S.CompletedCheckpoints.Concat(S.Savepoints).OrderBy(c => c.Id), metrics);

    string ICheckpointEnvironment.Job => Job;

    long ICheckpointEnvironment.Generation => S.Generation;

    IReadOnlyCollection<TaskId> ICheckpointEnvironment.Tasks => [.. Plan().AllTasks];

    IReadOnlyCollection<TaskId> ICheckpointEnvironment.Sources =>
        [.. Plan().Sources.SelectMany(v => Enumerable.Range(0, v.Parallelism).Select(p => new TaskId(Job, v.Uid, p)))];

    public async Task AcknowledgeCheckpointAsync(long generation, SnapshotHandle handle)
    {
        if (_coordinator is not null && generation == S.Generation)
        {
            await _coordinator.AcknowledgeAsync(handle);
        }
        else
        {
            // From an older run, or the job no longer checkpoints: the snapshot belongs to no checkpoint.
            await snapshots.DeleteAsync(handle.Task, handle.CheckpointId);
        }
    }

    public async Task DeclineCheckpointAsync(long generation, TaskId task, long checkpointId, string reason, bool superseded = false)
    {
        if (_coordinator is not null && generation == S.Generation)
        {
            await _coordinator.DeclineAsync(task, checkpointId, reason, superseded);
        }
    }

    public Task<long?> TriggerCheckpointAsync() =>
        _coordinator is null ? Task.FromResult<long?>(null) : _coordinator.TriggerAsync();

    public Task<IReadOnlyList<CheckpointStats>> GetCheckpointsAsync() => Task.FromResult(Stats.Recent());

    public Task<CheckpointCounts> GetCheckpointCountsAsync() => Task.FromResult(Stats.Counts);

    // Triggers and notifications are sent, not awaited (as Flink's RPCs are): an instance busy in a long
    // operator call must not stall the coordinator. A trigger that never arrives times its checkpoint out.
    Task ICheckpointEnvironment.TriggerSourcesAsync(CheckpointBarrier barrier) =>
        Send("trigger", barrier.CheckpointId, ((ICheckpointEnvironment)this).Sources.Select(t => Operator(t).TriggerCheckpointAsync(S.Generation, barrier)));

    async Task ICheckpointEnvironment.PersistTriggeredAsync(long checkpointId)
    {
        S.LastCheckpointId = checkpointId;
        await WriteStateAsync();
    }

    Task<string> ICheckpointEnvironment.WriteManifestAsync(CheckpointManifest manifest) => snapshots.WriteManifestAsync(manifest);

    async Task ICheckpointEnvironment.PersistCompletedAsync(long lastCheckpointId, IReadOnlyList<CompletedCheckpoint> retained)
    {
        var (previousId, previous) = (S.LastCheckpointId, S.CompletedCheckpoints);
        S.LastCheckpointId = lastCheckpointId;
        S.CompletedCheckpoints = [.. retained];
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            // Not completed after all: a later write of the job state must not record it.
            (S.LastCheckpointId, S.CompletedCheckpoints) = (previousId, previous);
            throw;
        }
    }

    async Task<bool?> ICheckpointEnvironment.IsRecordedCompletedAsync(long checkpointId)
    {
        try
        {
            await state.ReadStateAsync(); // the stored state, and its ETag: later writes no longer conflict
            return S.CompletedCheckpoints.Any(c => c.Id == checkpointId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReadBackFailed(logger, e, Job, checkpointId);
            DeactivateOnIdle(); // the next activation reads what is stored
            return null;
        }
    }

    Task ICheckpointEnvironment.NotifyCompleteAsync(long checkpointId, long oldestRetained) =>
        Send("completion notice", checkpointId, Plan().AllTasks.Select(t => Operator(t).NotifyCheckpointCompleteAsync(S.Generation, checkpointId, OldestRestorable(oldestRetained))));

    Task ICheckpointEnvironment.NotifyAbortAsync(long checkpointId) =>
        Send("abort notice", checkpointId, Plan().AllTasks.Select(t => Operator(t).AbortCheckpointAsync(S.Generation, checkpointId)));

    async Task ICheckpointEnvironment.DeleteCheckpointAsync(long checkpointId, IEnumerable<TaskId> tasks, string? manifestStateName, bool keepPieces)
    {
        await Task.WhenAll(tasks.Select(t => keepPieces ? snapshots.DeleteIndexAsync(t, checkpointId) : snapshots.DeleteAsync(t, checkpointId)));
        if (manifestStateName is not null)
        {
            await snapshots.DeleteManifestAsync(Job, manifestStateName);
        }
    }

    Task ICheckpointEnvironment.DeletePiecesAsync(IReadOnlyList<(TaskId Task, string Piece)> pieces) =>
        Task.WhenAll(pieces.Select(p => snapshots.DeletePieceAsync(p.Task, p.Piece)));

    // Too many failed checkpoints fail the running generation over (as Flink does); the restart strategy decides whether it comes back.
    Task ICheckpointEnvironment.FailOverAsync(string reason) => RecoverAsync(reason);

    private Task Send(string what, long checkpointId, IEnumerable<Task> calls)
    {
        _ = Task.WhenAll(calls).ContinueWith(
            t => LogSendFailed(logger, t.Exception!.GetBaseException(), Job, what, checkpointId),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Current);
        return Task.CompletedTask;
    }

    private void StartCheckpointing()
    {
        if (S.Checkpointing.Enabled && _coordinator is null && S.FinishedTasks.Count == 0)
        {
            _coordinator = new CheckpointCoordinator(this, S.Checkpointing, S.LastCheckpointId, S.CompletedCheckpoints, Stats, TimeProvider.System, logger);
        }
    }

    private async Task StopCheckpointingAsync(string reason)
    {
        var coordinator = _coordinator;
        _coordinator = null;
        if (coordinator is not null)
        {
            await coordinator.AbortAllAsync(reason);
        }
    }


    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: whether checkpoint {CheckpointId} was recorded as completed cannot be read back")]
    private static partial void LogReadBackFailed(ILogger logger, Exception exception, string job, long checkpointId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: a checkpoint {What} for checkpoint {CheckpointId} did not reach every instance")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string job, string what, long checkpointId);
}
