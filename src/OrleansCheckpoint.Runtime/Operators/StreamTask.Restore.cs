using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>A stream task's restore: the state of its operators, from a whole snapshot or a chain of pieces.</summary>
internal sealed partial class StreamTask
{
    /// <summary>
    /// Loads the state of every operator of the chain from a snapshot, matching operators by uid, and the watermarks
    /// (so lateness is decided as before the failure), and lets the operators finish what the snapshot promised.
    /// </summary>
    public void Restore(TaskSnapshot snapshot) => Restore(new RestoredSnapshot(snapshot, null, []));

    /// <summary>
    /// Loads a snapshot as read for a restore: a whole one, or an index and its pieces, applied oldest first (a full
    /// piece, then the changes of each later one); the instance's next checkpoints build on its chain (a whole
    /// snapshot's is not known: the next piece holds everything).
    /// </summary>
    public void Restore(RestoredSnapshot snapshot)
    {
        var (task, checkpointId, restoredWatermarks) = snapshot.Whole is { } whole
            ? (whole.Task, whole.CheckpointId, whole.Watermarks)
            : (snapshot.Index!.Task, snapshot.Index.CheckpointId, snapshot.Index.Watermarks);
        if (restoredWatermarks is { } watermarks)
        {
            _context.CurrentWatermark = watermarks.Current;
            _gate.RestoreWatermarks(watermarks.Channels);
        }

        _restored = true;
        ChainRestore.Apply(snapshot, _snapshots.Codecs, uid => OperatorOf(task, uid), Deployment.Task);
        _checkpointer.Pieces?.Rebase(checkpointId, snapshot.Index?.Chain);
    }

    private StreamOperator OperatorOf(TaskId snapshotTask, string uid) =>
        _chain.FirstOrDefault(o => o.Transformation.Uid == uid)
        ?? throw new InvalidOperationException($"The snapshot of {snapshotTask} holds state of operator '{uid}', which {Deployment.Task} does not run.");
}
