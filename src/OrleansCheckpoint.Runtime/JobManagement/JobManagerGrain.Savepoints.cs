using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// The job manager's savepoint face. A savepoint goes through the coordinator like a checkpoint (barriers, alignment,
/// acknowledgements) but every instance writes its whole state in the canonical format, and the result is recorded in
/// <see cref="JobState.Savepoints"/>, which retention never touches. A stop with a savepoint suspends the sources' pushes,
/// and once the savepoint completed, the supervision timer commits the sinks up to it and stops the job.
/// </summary>
internal sealed partial class JobManagerGrain : ISavepointGrain
{
    private readonly Dictionary<long, TaskCompletionSource<SavepointInfo>> _savepointWaiters = [];
    private readonly Dictionary<long, string> _failedSavepoints = []; // why recent savepoints failed, for later polls (the last 16)
    private CompletedCheckpoint? _stopWithSavepoint; // completed, the job still to be stopped (by the supervision timer)

    public async Task<long> TriggerSavepointAsync(bool stop = false)
    {
        EnsureRunning();
        if (!S.Checkpointing.Enabled || _coordinator is null)
        {
            throw new StreamJobException(S.Checkpointing.Enabled
                ? $"Job '{Job}' takes no more checkpoints (an instance finished its input): no savepoint can be taken."
                : $"Job '{Job}' runs without checkpoints (--no-checkpoints): savepoints travel as checkpoint barriers; start it with checkpoints to take one.");
        }

        var id = await _coordinator.TriggerSavepointAsync(stop);
        if (!_savepointWaiters.ContainsKey(id) && S.Savepoints.All(s => s.Id != id) && !_failedSavepoints.ContainsKey(id)) // (it may have ended already: a trigger the sources refused)
        {
            _savepointWaiters[id] = new TaskCompletionSource<SavepointInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        LogSavepointTriggered(logger, Job, id, stop);
        return id;
    }

    public async Task<SavepointInfo?> WaitForSavepointAsync(long id, TimeSpan wait)
    {
        if (_savepointWaiters.TryGetValue(id, out var waiter))
        {
            try
            {
                return await waiter.Task.WaitAsync(wait);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }

        if (_failedSavepoints.TryGetValue(id, out var failure))
        {
            throw new StreamJobException(failure);
        }

        return S.Savepoints.FirstOrDefault(s => s.Id == id)?.ToSavepointInfo(Job)
            ?? throw new SnapshotNotFoundException($"Job '{Job}' has no savepoint {id} (it was never taken, did not complete, or was disposed of). {Known()}");
    }

    public Task<IReadOnlyList<SavepointInfo>> GetSavepointsAsync() =>
        Task.FromResult<IReadOnlyList<SavepointInfo>>([.. S.Savepoints.AsEnumerable().Reverse().Select(s => s.ToSavepointInfo(Job))]);

    public async Task DisposeSavepointAsync(long id)
    {
        var savepoint = S.Savepoints.FirstOrDefault(s => s.Id == id)
            ?? throw new SnapshotNotFoundException($"Job '{Job}' has no savepoint {id}. {Known()}");
        if (RestoreCandidates().FirstOrDefault()?.Id == id)
        {
            // Without it a start or recovery would fall back to an older checkpoint and commit again what the sinks
            // committed after that one (all of it, for a stop's savepoint).
            throw new StreamJobException(
                $"Savepoint {id} is job '{Job}''s newest restore point (no checkpoint completed since it was taken or restored): start the job and dispose of it after its next checkpoint.");
        }

        // The record goes first: a failure after it leaves files no one references, never a record of missing files.
        var recovery = S.RecoverySavepoints.Remove(id);
        S.Savepoints.Remove(savepoint);
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            S.Savepoints.Add(savepoint); // not disposed of: it stays listed (and restorable) as stored
            S.Savepoints.Sort((x, y) => x.Id.CompareTo(y.Id));
            if (recovery)
            {
                S.RecoverySavepoints.Add(id);
            }

            throw;
        }

        await Task.WhenAll(savepoint.Handles.Select(h => snapshots.DeleteAsync(h.Task, id)));
        await snapshots.DeleteManifestAsync(Job, savepoint.ManifestStateName);
        LogSavepointDisposed(logger, Job, id);
    }

    (int Parallelism, SnapshotLayout Layout) ICheckpointEnvironment.Layout => (S.Parallelism, RestoreAssignment.LayoutOf(Plan()));

    bool ICheckpointEnvironment.IsSavepoint(long checkpointId) => S.Savepoints.Any(s => s.Id == checkpointId);

    async Task ICheckpointEnvironment.PersistSavepointAsync(CompletedCheckpoint savepoint)
    {
        S.Savepoints.Add(savepoint);
        S.RecoverySavepoints.Add(savepoint.Id);
        S.StoppingWith = savepoint.Stopped ? savepoint.Id : S.StoppingWith; // recorded with it: a next activation finishes the stop
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            S.Savepoints.Remove(savepoint);
            S.RecoverySavepoints.Remove(savepoint.Id);
            S.StoppingWith = savepoint.Stopped ? null : S.StoppingWith;
            throw;
        }
    }

    /// <summary>
    /// A new activation of the manager: snapshots its predecessor triggered and never finished are gone with it. Every
    /// instance is told they are aborted — a source a stop's savepoint left refusing pushes takes them again (its files
    /// go with the next checkpoint's sweep) — and a stop whose savepoint completed is finished now.
    /// </summary>
    private void AbandonPredecessorsSnapshots()
    {
        var finished = S.CompletedCheckpoints.Select(c => c.Id).Concat(S.Savepoints.Select(s => s.Id)).DefaultIfEmpty(0).Max();
        for (var id = Math.Max(finished + 1, S.LastCheckpointId - CheckpointCoordinator.OrphanSweepLimit); id <= S.LastCheckpointId; id++)
        {
            _ = ((ICheckpointEnvironment)this).NotifyAbortAsync(id);
        }

        if (S.StoppingWith is { } stopping)
        {
            _stopWithSavepoint = S.Savepoints.FirstOrDefault(s => s.Id == stopping);
        }
    }

    Task ICheckpointEnvironment.OnSavepointFinishedAsync(long savepointId, CompletedCheckpoint? completed, string? failure)
    {
        if (completed is { Stopped: true })
        {
            _stopWithSavepoint = completed; // the supervision timer commits and stops (not within the acknowledgement)
            return Task.CompletedTask;
        }

        if (_savepointWaiters.Remove(savepointId, out var waiter))
        {
            if (completed is not null)
            {
                waiter.TrySetResult(completed.ToSavepointInfo(Job));
            }
            else
            {
                waiter.TrySetException(new StreamJobException(failure ?? $"savepoint {savepointId} failed"));
            }
        }

        if (completed is null)
        {
            _failedSavepoints[savepointId] = failure ?? $"savepoint {savepointId} failed";
            foreach (var old in _failedSavepoints.Keys.OrderBy(k => k).SkipLast(16).ToList())
            {
                _failedSavepoints.Remove(old);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The savepoint of a stop completed: every instance is told (sinks commit what it and the checkpoints before it
    /// pre-committed; one that cannot be told commits when the job is started again, as after any restore), then the
    /// job stops. The savepoint is the job's newest restore point, so a plain <c>client start</c> resumes from it too.
    /// </summary>
    private async Task FinishStopWithSavepointAsync(CompletedCheckpoint savepoint)
    {
        _stopWithSavepoint = null;
        S.StoppingWith = null; // written with the stop; put back if the stop fails, so the next tick (or activation) tries again
        try
        {
            await Task.WhenAll(Plan().AllTasks.Select(t => Operator(t).NotifyCheckpointCompleteAsync(S.Generation, savepoint.Id, OldestRestorable(S.CompletedCheckpoints.FirstOrDefault()?.Id ?? savepoint.Id))));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStopCommitFailed(logger, e, Job, savepoint.Id);
        }

        try
        {
            await StopAsync(drain: false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_stopWithSavepoint, S.StoppingWith) = (savepoint, savepoint.Id);
            StartSupervising();
            LogStopCommitFailed(logger, e, Job, savepoint.Id);
            return;
        }

        if (_savepointWaiters.Remove(savepoint.Id, out var waiter))
        {
            waiter.TrySetResult(savepoint.ToSavepointInfo(Job));
        }
    }

    /// <summary>
    /// What a recovery may restore, newest first: the retained checkpoints and the savepoints of the job's current history.
    /// </summary>
    private IEnumerable<CompletedCheckpoint> RestoreCandidates() =>
        S.CompletedCheckpoints.Concat(S.Savepoints.Where(s => S.RecoverySavepoints.Contains(s.Id))).OrderByDescending(c => c.Id);

    /// <summary>The oldest snapshot a restore may need (a retained checkpoint or any savepoint): sources keep their log from there.</summary>
    private long OldestRestorable(long oldestRetained) => S.Savepoints.Count == 0 ? oldestRetained : Math.Min(oldestRetained, S.Savepoints.Min(s => s.Id));

    private string Known() =>
        $"Its savepoints: {(S.Savepoints.Count == 0 ? "none" : string.Join(", ", S.Savepoints.Select(s => s.Id)))}; its retained checkpoints: {(S.CompletedCheckpoints.Count == 0 ? "none" : string.Join(", ", S.CompletedCheckpoints.Select(c => c.Id)))}.";

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: triggered savepoint {SavepointId} (stop: {Stop})")]
    private static partial void LogSavepointTriggered(ILogger logger, string job, long savepointId, bool stop);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: disposed of savepoint {SavepointId}")]
    private static partial void LogSavepointDisposed(ILogger logger, string job, long savepointId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: not every instance heard that savepoint {SavepointId} completed; their sinks commit when the job starts again")]
    private static partial void LogStopCommitFailed(ILogger logger, Exception exception, string job, long savepointId);
}
