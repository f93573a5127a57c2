using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>A job's side of the coordinator for unit tests: two instances (a source and a sink); records what it is asked to do.</summary>
internal sealed class FakeCheckpointEnvironment : ICheckpointEnvironment
{
    public static readonly TaskId Source = new("job", "src", 0);
    public static readonly TaskId Sink = new("job", "sink", 0);

    public List<long> Completed { get; } = [];

    public List<long> Aborted { get; } = [];

    public List<(long Id, TaskId Task)> Deleted { get; } = [];

    public List<string> DeletedManifests { get; } = [];

    public List<CheckpointManifest> Manifests { get; } = [];

    public List<CompletedCheckpoint> Retained { get; private set; } = [];

    public string? FailureReason { get; private set; }

    public string Job => "job";

    public long Generation => 1;

    public IReadOnlyCollection<TaskId> Tasks => [Source, Sink];

    public IReadOnlyCollection<TaskId> Sources => [Source];

    public Task TriggerSourcesAsync(CheckpointBarrier barrier) => Task.CompletedTask;

    public Task PersistTriggeredAsync(long checkpointId) => Task.CompletedTask;

    public Exception? ManifestFailure { get; set; }

    public Exception? PersistCompletedFailure { get; set; }

    public Task<string> WriteManifestAsync(CheckpointManifest manifest)
    {
        if (ManifestFailure is not null)
        {
            return Task.FromException<string>(ManifestFailure);
        }

        Manifests.Add(manifest);
        return Task.FromResult(SnapshotStore.ManifestStateName(manifest.CheckpointId));
    }

    /// <summary>What reading the stored state back says after a failed completion write (false: not recorded).</summary>
    public bool? RecordedAfterFailure { get; set; } = false;

    public Task PersistCompletedAsync(long lastCheckpointId, IReadOnlyList<CompletedCheckpoint> retained)
    {
        if (PersistCompletedFailure is not null)
        {
            if (RecordedAfterFailure == true)
            {
                Retained = [.. retained]; // it landed; only the answer was lost
            }

            return Task.FromException(PersistCompletedFailure);
        }

        Retained = [.. retained];
        return Task.CompletedTask;
    }

    public Task<bool?> IsRecordedCompletedAsync(long checkpointId) => Task.FromResult(RecordedAfterFailure);

    public Task NotifyCompleteAsync(long checkpointId, long oldestRetained)
    {
        Completed.Add(checkpointId);
        return Task.CompletedTask;
    }

    public Task NotifyAbortAsync(long checkpointId)
    {
        Aborted.Add(checkpointId);
        return Task.CompletedTask;
    }

    public List<(TaskId Task, string Piece)> DeletedPieces { get; } = [];

    public Task DeletePiecesAsync(IReadOnlyList<(TaskId Task, string Piece)> pieces)
    {
        DeletedPieces.AddRange(pieces);
        return Task.CompletedTask;
    }

    public Task DeleteCheckpointAsync(long checkpointId, IEnumerable<TaskId> tasks, string? manifestStateName, bool keepPieces = false)
    {
        if (!keepPieces)
        {
            // An aborted checkpoint's own pieces go with its indexes.
            DeletedPieces.AddRange(tasks.Select(t => (t, SnapshotStore.PieceStateName(checkpointId))));
        }

        Deleted.AddRange(tasks.Select(t => (checkpointId, t)));
        if (manifestStateName is not null)
        {
            DeletedManifests.Add(manifestStateName);
        }

        return Task.CompletedTask;
    }

    public Task FailOverAsync(string reason)
    {
        FailureReason = reason;
        return Task.CompletedTask;
    }

    public (int Parallelism, SnapshotLayout Layout) Layout => (1, new SnapshotLayout(new Dictionary<string, string[]> { ["src"] = ["src"], ["sink"] = ["sink"] }));

    public List<CompletedCheckpoint> Savepoints { get; } = [];

    /// <summary>How each savepoint ended: its record, or the reason it failed.</summary>
    public Dictionary<long, (CompletedCheckpoint? Completed, string? Failure)> SavepointOutcomes { get; } = [];

    public Task PersistSavepointAsync(CompletedCheckpoint savepoint)
    {
        Savepoints.Add(savepoint);
        return Task.CompletedTask;
    }

    public Task OnSavepointFinishedAsync(long savepointId, CompletedCheckpoint? completed, string? failure)
    {
        SavepointOutcomes[savepointId] = (completed, failure);
        return Task.CompletedTask;
    }

    public bool IsSavepoint(long checkpointId) => Savepoints.Any(s => s.Id == checkpointId);
}
