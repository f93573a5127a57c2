using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>What the coordinator asks of the grain that hosts it.</summary>
internal interface ICheckpointEnvironment
{
    string Job { get; }

    long Generation { get; }

    IReadOnlyCollection<TaskId> Tasks { get; }

    IReadOnlyCollection<TaskId> Sources { get; }

    Task TriggerSourcesAsync(CheckpointBarrier barrier);

    /// <summary>Persists the id of a checkpoint about to be triggered, so that no id is ever used twice (snapshots are create-only).</summary>
    Task PersistTriggeredAsync(long checkpointId);

    /// <summary>Writes the manifest and returns its state name.</summary>
    Task<string> WriteManifestAsync(CheckpointManifest manifest);

    /// <summary>Persists the retained completed checkpoints; when it throws, nothing of it is kept (in memory either).</summary>
    Task PersistCompletedAsync(long lastCheckpointId, IReadOnlyList<CompletedCheckpoint> retained);

    /// <summary>
    /// After <see cref="PersistCompletedAsync"/> threw: reads the stored state back (the write may have landed, only its
    /// answer lost) and says whether it records <paramref name="checkpointId"/> as completed; null when it cannot be read.
    /// </summary>
    Task<bool?> IsRecordedCompletedAsync(long checkpointId);

    Task NotifyCompleteAsync(long checkpointId, long oldestRetained);

    Task NotifyAbortAsync(long checkpointId);

    /// <summary>
    /// Deletes the snapshots of <paramref name="checkpointId"/> of the given instances (and its manifest, if asked): their
    /// indexes and, unless <paramref name="keepPieces"/>, the pieces that checkpoint wrote.
    /// </summary>
    Task DeleteCheckpointAsync(long checkpointId, IEnumerable<TaskId> tasks, string? manifestStateName, bool keepPieces = false);

    /// <summary>Deletes pieces of keyed state that no retained checkpoint references any more.</summary>
    Task DeletePiecesAsync(IReadOnlyList<(TaskId Task, string Piece)> pieces);

    /// <summary>Checkpoints failed beyond the tolerated number: fail the running generation over.</summary>
    Task FailOverAsync(string reason);

    /// <summary>The job's parallelism and which operators each vertex runs, recorded with every snapshot.</summary>
    (int Parallelism, SnapshotLayout Layout) Layout { get; }

    /// <summary>Persists a completed savepoint (retention never touches it); when it throws, it is not recorded.</summary>
    Task PersistSavepointAsync(CompletedCheckpoint savepoint);

    /// <summary>A savepoint completed (<paramref name="completed"/>) or was aborted (<paramref name="failure"/>): whoever waits for it hears.</summary>
    Task OnSavepointFinishedAsync(long savepointId, CompletedCheckpoint? completed, string? failure);

    /// <summary>Whether <paramref name="checkpointId"/> is a savepoint the job keeps (its files are not orphans).</summary>
    bool IsSavepoint(long checkpointId);
}

/// <summary>
/// Triggers checkpoints (respecting interval, minimum pause, maximum concurrency), collects
/// acknowledgements, completes or aborts, and applies retention and the failure policy. It lives in the job
/// manager grain and runs on its scheduler: no locking.
/// </summary>
internal sealed partial class CheckpointCoordinator
{
    /// <summary>How many ids before a completed checkpoint are swept for orphan snapshots.</summary>
    public const int OrphanSweepLimit = 100;

    private readonly ICheckpointEnvironment _environment;
    private readonly CheckpointSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SortedDictionary<long, PendingCheckpoint> _pending = [];
    private readonly Queue<long> _recentlyFinished = new();
    private readonly CompletedCheckpointStore _store;
    private readonly CheckpointFailureManager _failures;
    private DateTimeOffset _lastTrigger; // the first checkpoint comes one interval after the coordinator starts
    private DateTimeOffset _lastFinished = DateTimeOffset.MinValue;

    public CheckpointCoordinator(
        ICheckpointEnvironment environment,
        CheckpointSettings settings,
        long lastCheckpointId,
        IEnumerable<CompletedCheckpoint> completed,
        CheckpointStatsTracker stats,
        TimeProvider time,
        ILogger logger)
    {
        _environment = environment;
        _settings = settings;
        _time = time;
        _logger = logger;
        LastCheckpointId = lastCheckpointId;
        _store = new CompletedCheckpointStore(settings.Retained, completed);
        _failures = new CheckpointFailureManager(settings.TolerableFailures);
        Stats = stats;
        _lastTrigger = time.GetUtcNow();
    }

    public long LastCheckpointId { get; private set; }

    public CompletedCheckpoint? LatestCompleted => _store.Latest;

    public CheckpointStatsTracker Stats { get; }

    /// <summary>Called periodically: aborts checkpoints past their timeout and triggers a new one when it is due.</summary>
    public async Task TickAsync()
    {
        var now = _time.GetUtcNow();
        foreach (var expired in _pending.Values.Where(p => now - p.TriggeredAt >= _settings.Timeout).ToList())
        {
            await AbortAsync(expired, $"{Name(expired)} timed out after {_settings.Timeout.TotalMilliseconds:0} ms; {expired.Total - expired.Handles.Count} of {expired.Total} instances had not acknowledged");
        }

        // While a savepoint is under way, no checkpoint starts: a newer barrier would overtake its alignment (and a stop's
        // barrier must be the sources' last).
        if (now - _lastTrigger >= _settings.Interval && !_pending.Values.Any(p => p.Kind == SnapshotKind.Savepoint))
        {
            await TriggerAsync();
        }
    }

    /// <summary>Starts a checkpoint if the concurrency limit and the minimum pause allow it; returns its id.</summary>
    public async Task<long?> TriggerAsync()
    {
        var now = _time.GetUtcNow();
        if (_pending.Count >= _settings.MaxConcurrent || now - _lastFinished < _settings.MinPause || _pending.Values.Any(p => p.Kind == SnapshotKind.Savepoint))
        {
            return null; // (no checkpoint's barrier may overtake a savepoint's, whose sources may still be queuing what they accepted)
        }

        _lastTrigger = now;
        return await StartAsync(SnapshotKind.Checkpoint, stopsSources: false);
    }

    private async Task<long> StartAsync(SnapshotKind kind, bool stopsSources)
    {
        var now = _time.GetUtcNow();
        await _environment.PersistTriggeredAsync(LastCheckpointId + 1);
        var pending = new PendingCheckpoint(++LastCheckpointId, _environment.Generation, now, _environment.Tasks, kind, stopsSources);
        _pending.Add(pending.Id, pending);
        Stats.OnTriggered(pending);
        LogTriggered(_logger, _environment.Job, pending.Id, pending.Total);
        try
        {
            await _environment.TriggerSourcesAsync(new CheckpointBarrier(pending.Id, now.ToUnixTimeMilliseconds(), _settings.Mode, kind, stopsSources));
        }
        catch (Exception e)
        {
            await AbortAsync(pending, $"{Name(pending)} could not be triggered at the sources: {e.Message}");
        }

        return pending.Id;
    }

    private static string Name(PendingCheckpoint pending) => $"{(pending.Kind == SnapshotKind.Savepoint ? "savepoint" : "checkpoint")} {pending.Id}";

    public async Task<AcknowledgeResult> AcknowledgeAsync(SnapshotHandle handle)
    {
        if (!_pending.TryGetValue(handle.CheckpointId, out var pending))
        {
            var known = _recentlyFinished.Contains(handle.CheckpointId) || handle.CheckpointId <= LastCheckpointId;
            if (known && _store.All.All(c => c.Id != handle.CheckpointId))
            {
                // A late acknowledgement of an aborted checkpoint: its snapshot was written after the abort's clean-up.
                await _environment.DeleteCheckpointAsync(handle.CheckpointId, [handle.Task], manifestStateName: null);
            }

            LogLateAck(_logger, _environment.Job, handle.CheckpointId, handle.Task.GrainKey);
            return known ? AcknowledgeResult.Discarded : AcknowledgeResult.Unknown;
        }

        var result = pending.Acknowledge(handle);
        if (result != AcknowledgeResult.Success)
        {
            return result;
        }

        Stats.OnAcknowledged(pending, handle);
        if (pending.IsFullyAcknowledged)
        {
            await CompleteAsync(pending);
        }

        return result;
    }

    /// <summary>
    /// An instance declined a checkpoint: it is aborted. A decline because a newer checkpoint's barrier overtook it
    /// (<paramref name="superseded"/>) does not count towards the tolerated failures.
    /// </summary>
    public async Task DeclineAsync(TaskId task, long checkpointId, string reason, bool superseded = false)
    {
        if (_pending.TryGetValue(checkpointId, out var pending))
        {
            await AbortAsync(pending, $"{Name(pending)} was declined by {task}: {reason}", countsAsFailure: !superseded);
        }
    }

    /// <summary>Forgets the checkpoints in progress (the job stops or restarts); their partial snapshots are deleted.</summary>
    public async Task AbortAllAsync(string reason)
    {
        foreach (var pending in _pending.Values.ToList())
        {
            await AbortAsync(pending, reason, countsAsFailure: false);
        }
    }

    private async Task CompleteAsync(PendingCheckpoint pending)
    {
        var previous = _store.Latest?.Id ?? 0;
        _pending.Remove(pending.Id);
        Finished(pending.Id);
        var completedAt = _time.GetUtcNow();
        var handles = pending.Handles.OrderBy(h => h.Task.Operator, StringComparer.Ordinal).ThenBy(h => h.Task.Partition).ToList();
        if (pending.Kind == SnapshotKind.Savepoint)
        {
            await CompleteSavepointAsync(pending, completedAt, handles);
            return;
        }

        // Completion guard. Invariant: every piece a retained completed checkpoint names is stored. An instance builds a
        // chain on the last completion it heard of; if retention evicted that base meanwhile (notices lag, or several
        // checkpoints run at once), its pieces may be gone, and completing this checkpoint would retain one that cannot
        // be restored. It is superseded instead (not a failure): the instance rebases when told of a newer completion.
        if (PieceReferences.FirstUnretained(pending.Id, handles, _store.All) is { } unretained)
        {
            await DiscardAsync(
                pending,
                $"checkpoint {pending.Id} was superseded: {unretained.Task} built on piece {unretained.Piece.Name} of checkpoint {unretained.Piece.CheckpointId}, which is no longer retained",
                countsAsFailure: false,
                manifestStateName: null);
            return;
        }

        var (parallelism, layout) = _environment.Layout;
        var manifest = new CheckpointManifest
        {
            Job = _environment.Job, CheckpointId = pending.Id, Generation = pending.Generation, TriggeredAt = pending.TriggeredAt, CompletedAt = completedAt, Snapshots = handles,
            Parallelism = parallelism, Layout = layout,
        };
        string manifestStateName;
        try
        {
            manifestStateName = await _environment.WriteManifestAsync(manifest);
        }
        catch (Exception e)
        {
            // Not recorded as completed anywhere: abort it like any failed checkpoint (instances told, its files deleted,
            // the manifest too, in case the write landed and only its answer was lost).
            await DiscardAsync(pending, $"checkpoint {pending.Id} failed to complete: its manifest could not be written: {e.Message}", countsAsFailure: true, SnapshotStore.ManifestStateName(pending.Id));
            return;
        }

        var completed = new CompletedCheckpoint(pending.Id, pending.Generation, pending.TriggeredAt, completedAt, manifestStateName, handles, Parallelism: parallelism, Layout: layout);
        var (retained, evicted) = _store.With(completed);
        try
        {
            await _environment.PersistCompletedAsync(LastCheckpointId, retained);
        }
        catch (Exception e)
        {
            // The outcome is unknown: the stored state decides. Its files are deleted only if it does not list the
            // checkpoint; if it cannot be read either, nothing is deleted (it may be listed, and restored from later).
            var reason = $"checkpoint {pending.Id} failed to complete: it could not be recorded as completed: {e.Message}";
            switch (await _environment.IsRecordedCompletedAsync(pending.Id))
            {
                case true:
                    LogCompletedAfterAll(_logger, _environment.Job, pending.Id, e.Message);
                    break;
                case false:
                    await DiscardAsync(pending, reason, countsAsFailure: true, manifestStateName);
                    return;
                default:
                    pending.Discard();
                    Stats.OnAborted(pending, $"{reason}; whether it was recorded is unknown, so its files are kept");
                    LogAborted(_logger, _environment.Job, pending.Id, reason);
                    await _environment.NotifyAbortAsync(pending.Id);
                    return;
            }
        }

        _store.Accept(retained);
        _failures.OnSuccess();
        _lastFinished = completedAt;
        Stats.OnCompleted(pending);
        LogCompleted(_logger, _environment.Job, pending.Id, (completedAt - pending.TriggeredAt).TotalMilliseconds, _store.Latest!.SizeBytes);

        // Older in-progress checkpoints can no longer complete usefully once a newer one did.
        foreach (var older in _pending.Values.Where(p => p.Id < pending.Id && p.Kind == SnapshotKind.Checkpoint).ToList())
        {
            await AbortAsync(older, $"checkpoint {older.Id} was subsumed by the completed checkpoint {pending.Id}", countsAsFailure: false);
        }

        await _environment.NotifyCompleteAsync(pending.Id, _store.All[0].Id);
        // Retention by reference: an evicted checkpoint's indexes go, its pieces only when no retained chain names them.
        foreach (var old in evicted)
        {
            await _environment.DeleteCheckpointAsync(old.Id, old.Handles.Select(h => h.Task), old.ManifestStateName, keepPieces: true);
        }

        if (evicted.Count > 0 && PieceReferences.Unreferenced(evicted, retained) is { Count: > 0 } unreferenced)
        {
            await _environment.DeletePiecesAsync(unreferenced);
        }

        await DeleteOrphansAsync(previous, pending.Id);
    }

    /// <summary>
    /// The checkpoints triggered between two completed ones never completed. Their files were deleted when they were
    /// aborted, but a snapshot uploaded after that, whose acknowledgement was lost too, or one of a checkpoint in progress
    /// when a previous activation of the coordinator ended, is referenced by nothing: deleted here (the last
    /// <see cref="OrphanSweepLimit"/> ids at most).
    /// </summary>
    private async Task DeleteOrphansAsync(long previous, long completed)
    {
        for (var id = Math.Max(previous + 1, completed - OrphanSweepLimit); id < completed; id++)
        {
            if (_pending.ContainsKey(id) || _environment.IsSavepoint(id))
            {
                continue; // a savepoint in progress, or one that completed: not an orphan
            }

            await _environment.DeleteCheckpointAsync(id, _environment.Tasks, SnapshotStore.ManifestStateName(id));
        }
    }

    private async Task AbortAsync(PendingCheckpoint pending, string reason, bool countsAsFailure = true)
    {
        if (!_pending.Remove(pending.Id))
        {
            return;
        }

        Finished(pending.Id);
        await DiscardAsync(pending, reason, countsAsFailure, manifestStateName: null);
    }

    /// <summary>Aborts a checkpoint no longer pending: tells the instances, deletes its snapshots (and manifest), applies the failure policy.</summary>
    private async Task DiscardAsync(PendingCheckpoint pending, string reason, bool countsAsFailure, string? manifestStateName)
    {
        pending.Discard();
        _lastFinished = _time.GetUtcNow();
        Stats.OnAborted(pending, reason);
        if (countsAsFailure)
        {
            LogAborted(_logger, _environment.Job, pending.Id, reason);
        }
        else
        {
            LogDiscarded(_logger, _environment.Job, pending.Id, reason);
        }

        await _environment.NotifyAbortAsync(pending.Id);
        await _environment.DeleteCheckpointAsync(pending.Id, _environment.Tasks, manifestStateName);
        if (pending.Kind == SnapshotKind.Savepoint)
        {
            await _environment.OnSavepointFinishedAsync(pending.Id, null, reason);
            return; // a savepoint that fails is the asker's failure, not the job's
        }

        if (countsAsFailure && _failures.OnFailure())
        {
            await _environment.FailOverAsync(
                $"{_failures.ConsecutiveFailures} consecutive checkpoints failed, more than the {_settings.TolerableFailures} tolerated; the last: {reason}");
        }
    }

    private void Finished(long id)
    {
        _recentlyFinished.Enqueue(id);
        while (_recentlyFinished.Count > 64)
        {
            _recentlyFinished.Dequeue();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {Job}: triggered checkpoint {CheckpointId} ({Instances} instances)")]
    private static partial void LogTriggered(ILogger logger, string job, long checkpointId, int instances);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: completed checkpoint {CheckpointId} in {DurationMs:0.0} ms, {SizeBytes} bytes")]
    private static partial void LogCompleted(ILogger logger, string job, long checkpointId, double durationMs, long sizeBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: checkpoint {CheckpointId} was recorded as completed although the write's answer was an error ({Error})")]
    private static partial void LogCompletedAfterAll(ILogger logger, string job, long checkpointId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: aborted checkpoint {CheckpointId}: {Reason}")]
    private static partial void LogAborted(ILogger logger, string job, long checkpointId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: checkpoint {CheckpointId} discarded: {Reason}")]
    private static partial void LogDiscarded(ILogger logger, string job, long checkpointId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {Job}: late or unknown acknowledgement of checkpoint {CheckpointId} from {Task}")]
    private static partial void LogLateAck(ILogger logger, string job, long checkpointId, string task);
}
