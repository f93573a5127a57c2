using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>A stream task's restore: the state of its operators, from a whole snapshot or a chain of pieces, or from several.</summary>
internal sealed partial class StreamTask
{
    /// <summary>
    /// Loads the state of every operator of the chain from a snapshot, matching operators by uid, and the watermarks
    /// (so lateness is decided as before the failure), and lets the operators finish what the snapshot promised.
    /// </summary>
    public void Restore(TaskSnapshot snapshot) => Restore(new RestoredSnapshot(snapshot, null, []));

    /// <summary>
    /// Loads the snapshots this instance restores: usually one, its own; when the job's chaining changed, those of the
    /// former instances that ran its operators (each operator's state comes from the snapshot that holds its uid; the
    /// watermark is the lowest of theirs). State of an operator this instance does not run is passed over: the job
    /// manager refused the restore unless that was allowed.
    /// </summary>
    public void Restore(IReadOnlyList<RestoredSnapshot> snapshots)
    {
        if (snapshots.Count == 1 && !Rescaled)
        {
            Restore(snapshots[0]);
            return;
        }

        var watermarks = snapshots.Select(s => s.Whole?.Watermarks ?? s.Index!.Watermarks).OfType<TaskWatermarks>().ToList();
        if (watermarks.Count > 0)
        {
            var lowest = watermarks.Min(w => w.Current);
            RestoreWatermarks(new TaskWatermarks(lowest, [lowest]));
        }

        var keyedOnly = Deployment.KeyedStateOnly ?? [];
        foreach (var snapshot in snapshots)
        {
            RestoreContents(snapshot, nonKeyed: !keyedOnly.Contains(snapshot.Task));
        }

        _checkpointer.Pieces?.Rebase(snapshots.Max(s => s.Whole?.CheckpointId ?? s.Index!.CheckpointId), chain: null);
    }

    /// <summary>
    /// Loads a snapshot as read for a restore: a whole one, or an index and its pieces, applied oldest first (a full
    /// piece, then the changes of each later one); the instance's next checkpoints build on its chain, unless it is a
    /// savepoint's (self-contained: nothing else may name its piece) or another instance's.
    /// </summary>
    public void Restore(RestoredSnapshot snapshot)
    {
        RestoreWatermarks(snapshot.Whole?.Watermarks ?? snapshot.Index!.Watermarks); // first: operators derive timers from it
        RestoreContents(snapshot, nonKeyed: true);
        var ownChain = snapshot.Index is { Kind: SnapshotKind.Checkpoint } index && index.Task == Deployment.Task && !Rescaled;
        _checkpointer.Pieces?.Rebase(snapshot.Whole?.CheckpointId ?? snapshot.Index!.CheckpointId, ownChain ? snapshot.Index!.Chain : null); // a whole snapshot's chain is not known: the next piece holds everything
    }

    /// <summary>Whether the instance's operators ran at another parallelism when the snapshot was taken (its key groups differ).</summary>
    private bool Rescaled => Deployment.RestoredParallelism > 0 && Deployment.RestoredParallelism != _parallelism;

    /// <summary>
    /// Loads one snapshot's state into the operators of the chain that it holds: the keyed entries of this instance's key
    /// groups, and (with <paramref name="nonKeyed"/>) the rest, its own or, from another partition's snapshot after a
    /// rescale, what that former instance left (a sink's pending transactions).
    /// </summary>
    private void RestoreContents(RestoredSnapshot snapshot, bool nonKeyed)
    {
        ChainRestore.Apply(snapshot, _snapshots.Codecs, OperatorOf, Deployment.Task, nonKeyed);
        _restored = true;
    }

    private void RestoreWatermarks(TaskWatermarks? restored)
    {
        if (restored is { } watermarks)
        {
            _context.CurrentWatermark = watermarks.Current;
            _gate.RestoreWatermarks(watermarks.Channels); // channels of another count: each starts at their lowest
        }
    }

    private StreamOperator? OperatorOf(string uid) => _chain.FirstOrDefault(o => o.Transformation.Uid == uid);
}
