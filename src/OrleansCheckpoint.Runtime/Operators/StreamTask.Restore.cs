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
    public void Restore(TaskSnapshot snapshot)
    {
        RestoreOperators(snapshot.Operators);
        RestoreWatermarks(snapshot.Watermarks);
        _checkpointer.Pieces?.Rebase(snapshot.CheckpointId, chain: null); // the next piece holds everything
    }

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

        var keyedOnly = Deployment.KeyedStateOnly ?? [];
        foreach (var snapshot in snapshots)
        {
            RestoreContents(snapshot, nonKeyed: !keyedOnly.Contains(snapshot.Task));
        }

        var watermarks = snapshots.Select(s => s.Whole?.Watermarks ?? s.Index!.Watermarks).OfType<TaskWatermarks>().ToList();
        if (watermarks.Count > 0)
        {
            var lowest = watermarks.Min(w => w.Current);
            RestoreWatermarks(new TaskWatermarks(lowest, [lowest]));
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
        if (snapshot.Whole is { } whole)
        {
            Restore(whole);
            return;
        }

        RestoreContents(snapshot, nonKeyed: true);
        var index = snapshot.Index!;
        RestoreWatermarks(index.Watermarks);
        var ownChain = index.Kind == SnapshotKind.Checkpoint && index.Task == Deployment.Task && !Rescaled;
        _checkpointer.Pieces?.Rebase(index.CheckpointId, ownChain ? index.Chain : null);
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
        var operators = !nonKeyed ? [] : snapshot.Whole?.Operators ?? snapshot.Index!.Operators;
        if (snapshot.Task.Partition == Deployment.Task.Partition || operators.Count == 0)
        {
            RestoreOperators(operators);
        }
        else
        {
            foreach (var state in operators)
            {
                OperatorOf(state.Uid)?.RestoreStateOf(snapshot.Task.Partition, state.State);
            }

            _restored = true;
        }

        if (snapshot.Whole is not null)
        {
            return; // keyed state is among the operators' states
        }

        var index = snapshot.Index!;
        foreach (var saved in index.Types ?? [])
        {
            (OperatorOf(saved.Uid) as IIncrementalStateOperator)?.CheckTypes(saved);
        }

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
                if (OperatorOf(section.Uid) is not { } op)
                {
                    continue; // an operator this instance does not run
                }

                var incremental = op as IIncrementalStateOperator
                    ?? throw new InvalidOperationException($"The snapshot of {index.Task} holds keyed state of operator '{section.Uid}', which keeps none in {Deployment.Task}.");
                incremental.RestoreSection(section.Table, section.Count, section.Entries, _snapshots.Codecs);
                keyed.Add(incremental);
            }
        }

        foreach (var op in keyed)
        {
            op.OnSectionsRestored();
        }
    }

    private void RestoreWatermarks(TaskWatermarks? restored)
    {
        if (restored is { } watermarks)
        {
            _context.CurrentWatermark = watermarks.Current;
            _gate.RestoreWatermarks(watermarks.Channels); // channels of another count: each starts at their lowest
        }
    }

    private void RestoreOperators(IReadOnlyList<OperatorSnapshot> operators)
    {
        foreach (var state in operators)
        {
            OperatorOf(state.Uid)?.RestoreState(state.State);
        }

        _restored = true;
    }

    private StreamOperator? OperatorOf(string uid) => _chain.FirstOrDefault(o => o.Transformation.Uid == uid);
}
