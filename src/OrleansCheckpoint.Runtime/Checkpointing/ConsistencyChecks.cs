using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// The consistency functions of a chain for one checkpoint: prepared on the processing path with the synchronous
/// snapshot (each bound to an immutable view of its operator's state), run on the thread pool while the snapshot is
/// serialized. A violation declines the checkpoint with the rule's own words.
/// </summary>
internal sealed class ConsistencyChecks
{
    private readonly List<Func<string?>> _checks;

    private ConsistencyChecks(List<Func<string?>> checks) => _checks = checks;

    /// <summary>The checks the operators of <paramref name="chain"/> ask for at <paramref name="checkpointId"/> (usually none).</summary>
    public static ConsistencyChecks Prepare(IEnumerable<StreamOperator> chain, long checkpointId) =>
        new([.. chain.Select(op => op.PrepareConsistencyCheck(checkpointId)).OfType<Func<string?>>()]);

    /// <summary>
    /// The check of an aggregate's <paramref name="invariants"/> (none: null): captures <paramref name="state"/>'s
    /// copy-on-write view now, on the processing path; the rules later read each entry as <paramref name="entry"/> makes it
    /// (its key and result) from accumulators no write changes any more.
    /// </summary>
    public static Func<string?>? Over<TStateKey, TAcc, TKey, TResult>(
        string uid,
        IReadOnlyList<StateInvariant<TKey, TResult>> invariants,
        KeyedStateTable<TStateKey, TAcc> state,
        Func<KeyValuePair<TStateKey, TAcc>, KeyValuePair<TKey, TResult>> entry)
        where TStateKey : notnull
    {
        if (invariants.Count == 0)
        {
            return null;
        }

        var entries = state.Snapshot().Groups.Values.SelectMany(g => g).Select(entry);
        return () => invariants.Select(i => i.Check(entries)).FirstOrDefault(v => v is not null) is { } violation
            ? $"operator '{uid}': {violation}"
            : null;
    }

    /// <summary>Runs the checks off the caller's thread: null when all hold, else the first violation.</summary>
    public Task<string?> RunAsync() => _checks.Count == 0
        ? Task.FromResult<string?>(null)
        : Task.Run(() => _checks.Select(check => check()).FirstOrDefault(v => v is not null));
}
