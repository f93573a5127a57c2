using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// Loads an instance's snapshot into the operators of a chain, matched by uid: each operator's own state, then (for an
/// incremental snapshot or a savepoint) the pieces of its chain oldest first — a full piece, then the changes of each
/// later one — after which the keyed operators rebuild what derives from their state. A savepoint's recorded table types
/// are checked first. A task's restore and the offline inspector read state this one way.
/// </summary>
internal static class ChainRestore
{
    /// <param name="snapshot">The snapshot as read for a restore.</param>
    /// <param name="codecs">The codecs of keys and values in pieces.</param>
    /// <param name="operatorOf">The operator of a uid, or null for one the chain does not run (its state is passed over).</param>
    /// <param name="runner">The instance the state is loaded into, for errors.</param>
    /// <param name="nonKeyed">
    /// Whether to load the operators' own (not keyed) state too: after a rescale, another instance takes it from a former
    /// instance whose keyed entries this one shares (all but state every instance holds a copy of: broadcast state).
    /// </param>
    public static void Apply(RestoredSnapshot snapshot, StateCodecs codecs, Func<string, StreamOperator?> operatorOf, TaskId runner, bool nonKeyed = true)
    {
        foreach (var state in snapshot.Whole?.Operators ?? snapshot.Index!.Operators)
        {
            var op = operatorOf(state.Uid);
            if (!nonKeyed)
            {
                op?.RestoreSharedState(state.State);
            }
            else if (snapshot.Task.Partition == runner.Partition)
            {
                op?.RestoreState(state.State);
            }
            else
            {
                op?.RestoreStateOf(snapshot.Task.Partition, state.State); // a former instance that none of its number replaces
            }
        }

        if (snapshot.Index is { } index)
        {
            foreach (var saved in index.Types ?? [])
            {
                (operatorOf(saved.Uid) as IIncrementalStateOperator)?.CheckTypes(saved);
            }

            ApplyPieces(index, snapshot.Pieces, codecs, operatorOf, runner);
        }
    }

    private static void ApplyPieces(
        SnapshotIndex index, IReadOnlyList<byte[]> pieces, StateCodecs codecs, Func<string, StreamOperator?> operatorOf, TaskId runner)
    {
        var keyed = new HashSet<IIncrementalStateOperator>();
        for (var i = 0; i < pieces.Count; i++)
        {
            IReadOnlyList<PieceSection> sections;
            try
            {
                sections = StatePieceCodec.Decode(pieces[i]);
            }
            catch (FormatException e)
            {
                var piece = index.Chain[i];
                throw new CorruptSnapshotException(
                    $"piece {piece.Name} of {index.Task} (written by checkpoint {piece.CheckpointId}) cannot be read: {e.Message}");
            }

            foreach (var section in sections)
            {
                if (operatorOf(section.Uid) is not { } found)
                {
                    continue; // an operator this instance does not run
                }

                var op = found as IIncrementalStateOperator
                    ?? throw new InvalidOperationException(
                        $"The snapshot of {index.Task} holds keyed state of operator '{section.Uid}', which keeps none in {runner}.");
                op.RestoreSection(section.Table, section.Count, section.Entries, codecs);
                keyed.Add(op);
            }
        }

        foreach (var op in keyed)
        {
            op.OnSectionsRestored();
        }
    }
}
