using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// <c>client start --from</c> (and a start at another parallelism): the job restores a chosen checkpoint or savepoint
/// instead of its latest restore point, and a new history begins there (as a new Flink job started from a savepoint): the
/// retained checkpoints of the history it leaves are dropped, and recoveries restore the chosen snapshot until the new
/// history has checkpoints of its own. A start that fails leaves the job as it was.
/// </summary>
internal sealed partial class JobManagerGrain
{
    /// <summary>A retained checkpoint or a savepoint of this job, by id (<c>12</c>) or savepoint path (<c>job/12</c>).</summary>
    private CompletedCheckpoint ResolveSnapshot(string spec)
    {
        var text = spec.Trim();
        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            var owner = text[..slash];
            if (owner != Job)
            {
                throw new SnapshotNotFoundException($"'{spec}' is a savepoint of job '{owner}', not of job '{Job}'.");
            }

            text = text[(slash + 1)..];
        }

        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            throw new SnapshotNotFoundException($"'{spec}' is not a checkpoint or savepoint id (a number, or a savepoint path '{Job}/<id>').");
        }

        return S.Savepoints.FirstOrDefault(s => s.Id == id) ?? S.CompletedCheckpoints.FirstOrDefault(c => c.Id == id)
            ?? throw new SnapshotNotFoundException($"Job '{Job}' has no checkpoint or savepoint {id}. {Known()}");
    }

    private static string Describe(CompletedCheckpoint snapshot) => $"{(snapshot.IsSavepoint ? "savepoint" : "checkpoint")} {snapshot.Id}";

    /// <summary>
    /// Source instance p reads ingest-log partition p. Restored with more source instances than the snapshot had, the
    /// added ones start at their partition's end as it is now (what it holds was read when it last had a reader, or it is
    /// empty): recorded, so that a recovery that restores the same snapshot again replays what came after.
    /// </summary>
    private async Task<Dictionary<string, long>> AddedSourceStartsAsync(CompletedCheckpoint from, Graph.PhysicalPlan plan)
    {
        var layout = from.Layout ?? RestoreAssignment.LayoutOf(plan);
        var starts = new Dictionary<string, long>();
        foreach (var source in plan.Sources)
        {
            var former = layout.Operators().FirstOrDefault(o => o.Operator == source.Chain[0].Uid).Vertex;
            for (var p = 0; p < source.Parallelism; p++)
            {
                var task = new TaskId(Job, source.Uid, p);
                if (!from.Handles.Any(h => h.Task.Operator == former && h.Task.Partition == p))
                {
                    starts[task.GrainKey] = await ingestLogs.Create(task).ReadEndAsync(CancellationToken.None);
                }
            }
        }

        return starts;
    }

    /// <summary>
    /// Source instance p reads ingest-log partition p. Restored with fewer source instances, the partitions beyond them
    /// lose their reader: each must hold nothing after the position the snapshot recorded in it (a stop with a savepoint
    /// leaves nothing unread), or acknowledged events would never be processed.
    /// </summary>
    private async Task CheckRetiredLogsAsync(CompletedCheckpoint from, Graph.PhysicalPlan plan)
    {
        var layout = from.Layout ?? RestoreAssignment.LayoutOf(plan);
        foreach (var source in plan.Sources)
        {
            var uid = source.Chain[0].Uid;
            var former = layout.Operators().FirstOrDefault(o => o.Operator == uid).Vertex;
            var retired = from.Handles.Where(h => h.Task.Operator == former && h.Task.Partition >= source.Parallelism).OrderBy(h => h.Task.Partition);
            foreach (var handle in retired)
            {
                var restored = await snapshots.ReadForRestoreAsync(handle);
                var operators = restored.Whole?.Operators ?? restored.Index!.Operators;
                if (operators.FirstOrDefault(o => o.Uid == uid)?.State is not Operators.SourceState position)
                {
                    continue; // a generator (refused already) or no position: nothing is read from a log
                }

                var end = await ingestLogs.Create(handle.Task).ReadEndAsync(CancellationToken.None);
                if (end > position.Offset)
                {
                    throw new InvalidJobSettingsException(
                        $"{RestoreAssignment.Describe(from)} of job '{Job}' cannot be restored at parallelism {source.Parallelism}: ingest-log partition {handle.Task.Partition} of source '{uid}' holds " +
                        $"{end - position.Offset} events after the position the snapshot recorded ({position.Offset}), which no source instance would read. Restore it with at least " +
                        $"{handle.Task.Partition + 1} instances, or rescale from a savepoint taken by `client stop {Job} --savepoint` (it leaves nothing unread).");
                }
            }
        }
    }

    /// <summary>A start from a chosen snapshot failed: its instances are cancelled and the job's state is put back (its generation stays ahead).</summary>
    private async Task UndoStartFromAsync(JobState before, CompletedCheckpoint from, Exception failure)
    {
        LogStartFromFailed(logger, Job, from.Id, failure.Message);
        await CancelAllAsync();
        before.Generation = S.Generation; // messages of the cancelled generation stay stale
        before.LastCheckpointId = S.LastCheckpointId;
        state.State = before;
        await WriteStateAsync();
    }

    /// <summary>
    /// The job is about to run from <paramref name="from"/>: only <paramref name="from"/> is a restore point until the new
    /// history has its own. Changed in memory before the deployment, so the deployment's first write records it with the
    /// rest (a manager lost during the start resumes from <paramref name="from"/>, not from the history left; a start
    /// that fails puts the old state back). Returns the checkpoints left, whose files go once the job runs.
    /// </summary>
    private List<CompletedCheckpoint> LeaveHistory(CompletedCheckpoint from, IReadOnlyList<string> droppedOperators)
    {
        var left = S.CompletedCheckpoints.Where(c => c.Id != from.Id).ToList();
        S.CompletedCheckpoints = from.IsSavepoint ? [] : [from];
        S.RecoverySavepoints = from.IsSavepoint ? [from.Id] : [];
        if (droppedOperators.Count > 0)
        {
            S.LastFailure = $"started from {Describe(from)} without the state of {string.Join(", ", droppedOperators.Select(o => $"'{o}'"))} (--allow-non-restored-state)";
        }

        _stats = null; // the checkpoint history starts over with the job's
        return left;
    }

    /// <summary>Deletes the files of the checkpoints a start from a chosen snapshot left (but for pieces the retained ones name).</summary>
    private async Task DeleteLeftHistoryAsync(List<CompletedCheckpoint> left)
    {
        try
        {
            await Task.WhenAll(left.SelectMany(c => c.Handles).Select(h => snapshots.DeleteIndexAsync(h.Task, h.CheckpointId)));
            await Task.WhenAll(PieceReferences.Unreferenced(left, S.CompletedCheckpoints).Select(p => snapshots.DeletePieceAsync(p.Task, p.Piece)));
            await Task.WhenAll(left.Select(c => snapshots.DeleteManifestAsync(Job, c.ManifestStateName)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogHistoryCleanupFailed(logger, e, Job); // files no record names: storage, not correctness
        }
    }

    /// <summary>
    /// A source that reads Orleans streams logs each stream in partition <c>hash(stream) mod P</c>, whose log keeps the
    /// numbering of the stream's producers: with another P a stream's events would reach a log that does not know its
    /// producers (and wait there for numbers it never gets). Refused, naming the count it must keep.
    /// </summary>
    private void RefuseStreamSourceRescale(Graph.PhysicalPlan plan, Func<string, int?> formerInstances)
    {
        foreach (var source in plan.Sources.Where(s => s.Chain[0].Subscription is not null))
        {
            var uid = source.Chain[0].Uid;
            if (formerInstances(uid) is > 0 and var former && former != source.Parallelism)
            {
                throw new InvalidJobSettingsException(
                    $"Job '{Job}' cannot run source '{uid}' with {source.Parallelism} instances: it reads Orleans streams and ran with {former}, and each stream's " +
                    $"producers are numbered in the log of partition hash(stream) mod {former}. Give it {former} instances.");
            }
        }
    }

    /// <summary>The instances of source <paramref name="uid"/> that <paramref name="from"/> holds snapshots of (null: none).</summary>
    private static int? SourceInstancesIn(CompletedCheckpoint from, Graph.PhysicalPlan plan, string uid)
    {
        var former = (from.Layout ?? RestoreAssignment.LayoutOf(plan)).Operators().FirstOrDefault(o => o.Operator == uid).Vertex;
        return former is null ? null : from.Handles.Count(h => h.Task.Operator == former);
    }

    /// <summary>A start with fewer source instances and no snapshot to restore: a partition that would lose its reader must be empty.</summary>
    private async Task CheckRetiredLogsAsync(Graph.PhysicalPlan before, Graph.PhysicalPlan after)
    {
        foreach (var source in before.Sources)
        {
            var now = after.Sources.FirstOrDefault(v => v.Uid == source.Uid)?.Parallelism ?? 0;
            for (var p = now; p < source.Parallelism; p++)
            {
                var task = new TaskId(Job, source.Uid, p);
                if (await ingestLogs.Create(task).ReadEndAsync(CancellationToken.None) is > 0 and var end)
                {
                    throw new InvalidJobSettingsException(
                        $"Job '{Job}' cannot start at parallelism {after.Parallelism}: ingest-log partition {p} of source '{source.Uid}' holds {end} events and the job has no " +
                        $"checkpoint or savepoint to start from, so no source instance would read them. Start it with at least {p + 1} instances.");
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: could not start from snapshot {SnapshotId}: {Reason}; the job is as it was")]
    private static partial void LogStartFromFailed(ILogger logger, string job, long snapshotId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: the files of the checkpoints a start from a chosen snapshot dropped could not all be deleted")]
    private static partial void LogHistoryCleanupFailed(ILogger logger, Exception exception, string job);
}
