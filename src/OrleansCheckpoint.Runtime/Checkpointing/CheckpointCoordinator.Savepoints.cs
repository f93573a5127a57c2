using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// The coordinator's savepoints: triggered when asked for (not on the interval), completed outside retention, never
/// subsumed by a checkpoint nor swept as orphans, and a failure of one is its asker's, not the job's.
/// </summary>
internal sealed partial class CheckpointCoordinator
{
    /// <summary>
    /// Starts a savepoint now, whatever the interval, the minimum pause and the number of checkpoints in flight (as Flink
    /// does); with <paramref name="stop"/>, the sources take no more pushes. Returns its id; its end is reported to
    /// <see cref="ICheckpointEnvironment.OnSavepointFinishedAsync"/>.
    /// </summary>
    public Task<long> TriggerSavepointAsync(bool stop) =>
        _pending.Values.FirstOrDefault(p => p.Kind == SnapshotKind.Savepoint) is { } running
            ? throw new Errors.StreamJobException($"Job '{_environment.Job}' is taking savepoint {running.Id} already; wait for it (client savepoints {_environment.Job}).")
            : StartAsync(SnapshotKind.Savepoint, stop);

    /// <summary>
    /// A savepoint every instance acknowledged: its manifest is written and it is recorded beside the retained checkpoints,
    /// outside retention. No completion notice goes out: sinks commit what it pre-committed with the next checkpoint (as
    /// after Flink's intermediate savepoints), or, for a stop with a savepoint, when the job manager stops the job.
    /// </summary>
    private async Task CompleteSavepointAsync(PendingCheckpoint pending, DateTimeOffset completedAt, List<SnapshotHandle> handles)
    {
        var (parallelism, layout) = _environment.Layout;
        var manifest = new CheckpointManifest
        {
            Job = _environment.Job, CheckpointId = pending.Id, Generation = pending.Generation, TriggeredAt = pending.TriggeredAt, CompletedAt = completedAt, Snapshots = handles,
            Kind = SnapshotKind.Savepoint, Parallelism = parallelism, Layout = layout,
        };
        CompletedCheckpoint savepoint;
        try
        {
            var manifestStateName = await _environment.WriteManifestAsync(manifest);
            savepoint = new CompletedCheckpoint(
                pending.Id, pending.Generation, pending.TriggeredAt, completedAt, manifestStateName, handles, SnapshotKind.Savepoint, parallelism, pending.StopsSources, layout);
            await _environment.PersistSavepointAsync(savepoint);
        }
        catch (Exception e)
        {
            // Its files stay (the record may have landed, only its answer lost); the waiter hears of the failure.
            var reason = $"savepoint {pending.Id} failed to complete: it could not be recorded: {e.Message}";
            pending.Discard();
            Stats.OnAborted(pending, reason);
            LogAborted(_logger, _environment.Job, pending.Id, reason);
            await _environment.NotifyAbortAsync(pending.Id);
            await _environment.OnSavepointFinishedAsync(pending.Id, null, reason);
            return;
        }

        Stats.OnCompleted(pending);
        LogCompleted(_logger, _environment.Job, pending.Id, (completedAt - pending.TriggeredAt).TotalMilliseconds, savepoint.SizeBytes);
        await _environment.OnSavepointFinishedAsync(pending.Id, savepoint, null);
    }
}
