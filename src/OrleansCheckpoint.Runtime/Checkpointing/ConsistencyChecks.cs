using OrleansCheckpoint.Runtime.Operators;

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

    /// <summary>Runs the checks off the caller's thread: null when all hold, else the first violation.</summary>
    public Task<string?> RunAsync() => _checks.Count == 0
        ? Task.FromResult<string?>(null)
        : Task.Run(() => _checks.Select(check => check()).FirstOrDefault(v => v is not null));
}
