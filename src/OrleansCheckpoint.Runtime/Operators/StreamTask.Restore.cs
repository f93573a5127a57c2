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
    public void Restore(TaskSnapshot snapshot)
    {
        RestoreOperators(snapshot.Task, snapshot.Watermarks, snapshot.Operators);
        _checkpointer.Pieces?.Rebase(snapshot.CheckpointId, chain: null); // the next piece holds everything
    }

    /// <summary>
    /// Loads a snapshot as read for a restore: a whole one, or an index and its pieces, applied oldest first (a full
    /// piece, then the changes of each later one); the instance's next checkpoints build on its chain.
    /// </summary>
    public void Restore(RestoredSnapshot snapshot)
    {
        if (snapshot.Whole is { } whole)
        {
            Restore(whole);
            return;
        }

        var index = snapshot.Index!;
        RestoreOperators(index.Task, index.Watermarks, index.Operators);
        var keyed = new HashSet<IIncrementalStateOperator>();
        for (var i = 0; i < snapshot.Pieces.Count; i++)
        {
            IReadOnlyList<State.PieceSection> sections;
            try
            {
                sections = State.StatePieceCodec.Decode(snapshot.Pieces[i]);
            }
            catch (FormatException e)
            {
                var piece = index.Chain[i];
                throw new CorruptSnapshotException($"piece {piece.Name} of {index.Task} (written by checkpoint {piece.CheckpointId}) cannot be read: {e.Message}");
            }

            foreach (var section in sections)
            {
                var op = OperatorOf(index.Task, section.Uid) as IIncrementalStateOperator
                    ?? throw new InvalidOperationException($"The snapshot of {index.Task} holds keyed state of operator '{section.Uid}', which keeps none in {Deployment.Task}.");
                op.RestoreSection(section.Table, section.Count, section.Entries, _snapshots.Codecs);
                keyed.Add(op);
            }
        }

        foreach (var op in keyed)
        {
            op.OnSectionsRestored();
        }

        _checkpointer.Pieces?.Rebase(index.CheckpointId, index.Chain);
    }

    private void RestoreOperators(TaskId snapshotTask, TaskWatermarks? restoredWatermarks, IReadOnlyList<OperatorSnapshot> operators)
    {
        if (restoredWatermarks is { } watermarks)
        {
            _context.CurrentWatermark = watermarks.Current;
            _gate.RestoreWatermarks(watermarks.Channels);
        }

        foreach (var state in operators)
        {
            OperatorOf(snapshotTask, state.Uid).RestoreState(state.State);
        }

        _restored = true;
    }

    private StreamOperator OperatorOf(TaskId snapshotTask, string uid) =>
        _chain.FirstOrDefault(o => o.Transformation.Uid == uid)
        ?? throw new InvalidOperationException($"The snapshot of {snapshotTask} holds state of operator '{uid}', which {Deployment.Task} does not run.");
}
