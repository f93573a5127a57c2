using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// An instance's incremental checkpoints: the chain of pieces its state rests on and the changes captured since.
/// <para>
/// Base rule (what makes retention by reference safe): the chain of checkpoint N extends only the base — the latest
/// checkpoint this instance was told completed, or the one it was restored from — so it names only pieces of completed
/// checkpoints, plus N's own. N's piece therefore holds every change since the base: the captured changes of all
/// snapshots since then are kept here (merged into N's piece) until a completion confirms a newer base.
/// </para>
/// <para>
/// Bounded chain: when the chain would hold more than <c>consolidateAfter</c> pieces (or the base's chain is not
/// known: restored from a whole snapshot), the snapshot writes a full piece and its chain is that piece alone. A full
/// piece is taken from the tables' copy-on-write views, so that checkpoint costs what a non-incremental one does
/// (copies of the key groups written while it uploads, a write of the whole state): once every K checkpoints.
/// </para>
/// Runs on the instance's scheduler; the merge of changes runs on the thread pool over captured, immutable changes.
/// </summary>
internal sealed class PieceChain(int consolidateAfter)
{
    /// <summary>How many unconfirmed snapshots' changes are kept apart before the older ones are merged.</summary>
    public const int MaxUnconfirmed = 8;

    private readonly SortedDictionary<long, IReadOnlyList<(string Uid, IStateChanges Changes)>> _changes = [];
    private readonly Dictionary<long, IReadOnlyList<StatePiece>> _chains = [];
    private IReadOnlyList<StatePiece>? _baseChain = [];

    /// <summary>The checkpoint the chain builds on (0: the empty state the instance started with).</summary>
    public long BaseId { get; private set; }

    /// <summary>The base's chain; null when it is not known (a restore from a whole snapshot): the next piece is full.</summary>
    public IReadOnlyList<StatePiece>? BaseChain => _baseChain;

    /// <summary>Whether the next snapshot must write a full piece.</summary>
    public bool NextIsFull => _baseChain is null || _baseChain.Count + 1 > consolidateAfter;

    /// <summary>The changes kept for snapshots not yet confirmed (for tests: memory stays bounded by what changed).</summary>
    public int PendingSnapshots => _changes.Count;

    /// <summary>
    /// Records the changes snapshot <paramref name="checkpointId"/> captured, and says what its piece holds: the
    /// changes since the base (oldest first, to merge) and the chain it extends (empty for a full piece).
    /// </summary>
    public (IReadOnlyList<IReadOnlyList<(string Uid, IStateChanges Changes)>> Since, IReadOnlyList<StatePiece> Extends) Record(
        long checkpointId, IReadOnlyList<(string Uid, IStateChanges Changes)> changes, bool full)
    {
        if (_changes.Count >= MaxUnconfirmed)
        {
            // No completion for a while (checkpoints declined or timed out): keep one merged set of older changes, so
            // memory stays bounded by the entries that changed. Filed under the newest of them: a completion of an
            // older one keeps it, and the next piece writes some entries its base already holds (correct, if redundant).
            var newest = _changes.Keys.Max();
            var merged = MergeChanges([.. _changes.Values]);
            _changes.Clear();
            _changes[newest] = merged;
        }

        _changes[checkpointId] = changes;
        return ([.. _changes.Values], full ? [] : _baseChain ?? throw new InvalidOperationException("A piece on an unknown chain must be full."));
    }

    /// <summary>Snapshot <paramref name="checkpointId"/> was written with <paramref name="chain"/>.</summary>
    public void Uploaded(long checkpointId, IReadOnlyList<StatePiece> chain) => _chains[checkpointId] = chain;

    /// <summary>Checkpoint <paramref name="checkpointId"/> completed: its chain is the new base; older changes are in it.</summary>
    public void Confirm(long checkpointId)
    {
        if (!_chains.TryGetValue(checkpointId, out var chain) || checkpointId <= BaseId)
        {
            return;
        }

        (BaseId, _baseChain) = (checkpointId, chain);
        foreach (var id in _changes.Keys.Where(id => id <= checkpointId).ToList())
        {
            _changes.Remove(id);
        }

        foreach (var id in _chains.Keys.Where(id => id <= checkpointId).ToList())
        {
            _chains.Remove(id);
        }
    }

    /// <summary>The instance was restored from <paramref name="checkpointId"/> (whose chain is <paramref name="chain"/>, null for a whole snapshot).</summary>
    public void Rebase(long checkpointId, IReadOnlyList<StatePiece>? chain)
    {
        (BaseId, _baseChain) = (checkpointId, chain);
        _changes.Clear();
        _chains.Clear();
    }

    /// <summary>Merges changes (oldest first) into one section per table: the newest change of each entry wins.</summary>
    public static List<(string Uid, IStateSection Section)> Merge(IReadOnlyList<IReadOnlyList<(string Uid, IStateChanges Changes)>> since) =>
        [.. MergeChanges(since).Where(c => c.Changes.Count > 0).Select(c => (c.Uid, (IStateSection)c.Changes))];

    private static List<(string Uid, IStateChanges Changes)> MergeChanges(IReadOnlyList<IReadOnlyList<(string Uid, IStateChanges Changes)>> since)
    {
        var merged = new Dictionary<(string Uid, string Table), IStateChanges>();
        var order = new List<(string Uid, string Table)>();
        foreach (var snapshot in since)
        {
            foreach (var (uid, changes) in snapshot)
            {
                var key = (uid, changes.Table);
                if (merged.TryGetValue(key, out var earlier))
                {
                    merged[key] = earlier.MergeWith(changes);
                }
                else
                {
                    merged[key] = changes;
                    order.Add(key);
                }
            }
        }

        return [.. order.Select(k => (k.Uid, merged[k]))];
    }
}
