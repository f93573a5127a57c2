using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// Which pieces of keyed state checkpoints reference, by instance and piece name, from their snapshot handles alone
/// (no blob is read): retention deletes a piece only when no retained checkpoint references it.
/// </summary>
internal static class PieceReferences
{
    /// <summary>Every piece the checkpoints' handles name.</summary>
    public static HashSet<(TaskId Task, string Piece)> Of(IEnumerable<CompletedCheckpoint> checkpoints) =>
        [.. checkpoints.SelectMany(c => c.Handles).SelectMany(h => (h.Pieces ?? []).Select(p => (h.Task, p.Name)))];

    /// <summary>The pieces of <paramref name="evicted"/> that none of <paramref name="retained"/> references: deletable.</summary>
    public static IReadOnlyList<(TaskId Task, string Piece)> Unreferenced(IEnumerable<CompletedCheckpoint> evicted, IEnumerable<CompletedCheckpoint> retained)
    {
        var kept = Of(retained);
        return [.. Of(evicted).Where(p => !kept.Contains(p))];
    }

    /// <summary>
    /// The first piece a handle of checkpoint <paramref name="checkpointId"/> names that is neither its own nor
    /// referenced by <paramref name="retained"/> (so possibly deleted already), or null.
    /// </summary>
    public static (TaskId Task, StatePiece Piece)? FirstUnretained(long checkpointId, IEnumerable<SnapshotHandle> handles, IEnumerable<CompletedCheckpoint> retained)
    {
        var kept = Of(retained);
        foreach (var handle in handles)
        {
            foreach (var piece in handle.Pieces ?? [])
            {
                if (piece.CheckpointId != checkpointId && !kept.Contains((handle.Task, piece.Name)))
                {
                    return (handle.Task, piece);
                }
            }
        }

        return null;
    }
}
