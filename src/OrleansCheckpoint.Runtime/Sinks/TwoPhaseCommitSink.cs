using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>
/// A sink that commits its output with the checkpoints (Flink's TwoPhaseCommitSinkFunction): records are
/// staged in the current transaction; a barrier closes it (pre-commit) and the snapshot holds every closed,
/// uncommitted transaction; when the checkpoint completes they are committed. After a restore, the restored
/// transactions belong to a completed checkpoint and are committed again — so commits must be idempotent
/// (the checkpoint id tells them apart). At the end of the input everything left is committed: after a drain,
/// what completed checkpoints pre-committed under their ids and the rest under the id the drain reserved (see
/// <see cref="Messages.FinalCommit"/>), so a drain redone after a failure commits the same output under the same ids.
/// Without checkpoints, each batch's output is committed at once. Commits run one at a time, in order of their ids:
/// on a reentrant grain the restore's re-commit, completion notices and the end of the input can ask at once.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TTransaction">What one transaction holds; never changed once closed, so snapshots can share it.</typeparam>
internal abstract class TwoPhaseCommitSink<T, TTransaction>(Transformation transformation) : OneInputOperator<T, T>(transformation)
    where TTransaction : class
{
    private readonly SemaphoreSlim _committing = new(1, 1);
    private TTransaction _current = null!;
    private Dictionary<long, TTransaction> _pending = [];
    private Dictionary<int, Dictionary<long, TTransaction>> _inherited = []; // after a rescale: former instances' pending transactions, by their partition
    private long _lastCheckpoint;

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        _current = Begin();
    }

    public override void Accept(T value, long timestamp)
    {
        Stage(_current, value);
        Output.Accept(value, timestamp);
    }

    public override async ValueTask FlushAsync()
    {
        if (!Context.Checkpointing && !IsEmpty(_current))
        {
            var transaction = Close();
            await CommitAsync(Context.Task.Partition, 0, final: false, transaction);
        }
    }

    public override object SnapshotState(long checkpointId)
    {
        _lastCheckpoint = checkpointId;
        if (!IsEmpty(_current))
        {
            _pending[checkpointId] = Close();
        }

        return new TwoPhaseCommitState<TTransaction>(
            new Dictionary<long, TTransaction>(_pending), checkpointId, _inherited.Count == 0 ? null : _inherited.ToDictionary(i => i.Key, i => new Dictionary<long, TTransaction>(i.Value)));
    }

    public override async Task NotifyCheckpointCompleteAsync(long checkpointId)
    {
        await _committing.WaitAsync();
        try
        {
            await CommitUpToAsync(checkpointId);
        }
        finally
        {
            _committing.Release();
        }
    }

    /// <summary>
    /// Commits the pending transactions up to <paramref name="checkpointId"/>, oldest first, those inherited from former
    /// instances first, each under its own partition (while holding <see cref="_committing"/>).
    /// </summary>
    private async Task CommitUpToAsync(long checkpointId)
    {
        foreach (var (partition, pending) in _inherited.OrderBy(i => i.Key).ToList())
        {
            await CommitUpToAsync(partition, pending, checkpointId);
            if (pending.Count == 0)
            {
                _inherited.Remove(partition);
            }
        }

        await CommitUpToAsync(Context.Task.Partition, _pending, checkpointId);
    }

    private async Task CommitUpToAsync(int partition, Dictionary<long, TTransaction> pending, long checkpointId)
    {
        while (pending.Count > 0 && pending.Keys.Min() is var id && id <= checkpointId)
        {
            await CommitAsync(partition, id, final: false, pending[id]);
            pending.Remove(id); // only once committed: a failed commit is retried at the next completion or restore
        }
    }

    public override void RestoreState(object state)
    {
        var restored = (TwoPhaseCommitState<TTransaction>)state;
        _pending = new Dictionary<long, TTransaction>(restored.Pending);
        _lastCheckpoint = restored.CheckpointId;
        foreach (var (partition, pending) in restored.Inherited ?? [])
        {
            Inherit(partition, pending);
        }
    }

    /// <summary>
    /// After a rescale: the state of former instance <paramref name="partition"/>, which no instance of that number runs any
    /// more. Its pending transactions belong to the restored snapshot: they are committed with this instance's, under
    /// their own partition, so a commit that happened before the restore is recognised (idempotent) and not repeated.
    /// </summary>
    public override void RestoreStateOf(int partition, object state)
    {
        var restored = (TwoPhaseCommitState<TTransaction>)state;
        Inherit(partition, restored.Pending);
        foreach (var (inheritedPartition, pending) in restored.Inherited ?? [])
        {
            Inherit(inheritedPartition, pending);
        }

        _lastCheckpoint = Math.Max(_lastCheckpoint, restored.CheckpointId);
    }

    private void Inherit(int partition, Dictionary<long, TTransaction> pending)
    {
        if (pending.Count > 0)
        {
            _inherited[partition] = new Dictionary<long, TTransaction>(pending);
        }
    }

    public override string DescribeState() => _pending.Count switch
    {
        0 => "no pending transactions",
        1 => $"1 pending transaction (checkpoint {_pending.Keys.Single()})",
        _ => $"{_pending.Count} pending transactions (checkpoints {string.Join(", ", _pending.Keys.Order())})",
    };

    /// <summary>The restored transactions were pre-committed in a checkpoint that completed: commit them (again).</summary>
    public override Task OnRestoredAsync() => NotifyCheckpointCompleteAsync(_lastCheckpoint);

    public override async Task EndOfInputAsync()
    {
        await _committing.WaitAsync();
        try
        {
            await CommitTheRestAsync();
        }
        finally
        {
            _committing.Release();
        }
    }

    private async Task CommitTheRestAsync()
    {
        if (Context.FinalCommit is { } drain)
        {
            // Transactions of checkpoints that never completed (the drain aborted them) join the rest: had they been
            // committed under their own ids, a redo of the drain from the last completed checkpoint would commit their
            // records again, in the final commit.
            await CommitUpToAsync(drain.LastCompletedCheckpoint);
            var rest = Begin();
            foreach (var id in _pending.Keys.Order())
            {
                Append(rest, _pending[id]);
            }

            Append(rest, Close());
            _pending.Clear();
            if (!IsEmpty(rest))
            {
                await CommitAsync(Context.Task.Partition, drain.CheckpointId, final: true, rest);
            }

            return;
        }

        // An end of input without a drain's commit (a generator of an older generation, being cancelled): everything staged is committed.
        await CommitUpToAsync(long.MaxValue);
        if (!IsEmpty(_current))
        {
            // Above every id used so far: after a fall-back to an older checkpoint, newer ones may have committed
            // already, and a commit numbered like one of them would be taken for it (ignored, or its file replaced).
            await CommitAsync(Context.Task.Partition, Math.Max(_lastCheckpoint, Context.LastCheckpointIdAtDeployment) + 1, final: true, Close());
        }
    }

    protected abstract TTransaction Begin();

    protected abstract void Stage(TTransaction transaction, T value);

    protected abstract bool IsEmpty(TTransaction transaction);

    /// <summary>Adds what <paramref name="later"/> holds to <paramref name="into"/>, as if it had been staged there after what it holds.</summary>
    protected abstract void Append(TTransaction into, TTransaction later);

    /// <summary>
    /// Makes a closed transaction visible; must be idempotent for the same <paramref name="partition"/> and
    /// <paramref name="checkpointId"/>. <paramref name="partition"/> is the instance that staged it: this one, or after a
    /// rescale a former one whose pending transactions this one inherited.
    /// </summary>
    protected abstract Task CommitAsync(int partition, long checkpointId, bool final, TTransaction transaction);

    private TTransaction Close()
    {
        var closed = _current;
        _current = Begin();
        return closed;
    }
}

/// <summary>
/// A sink's closed, uncommitted transactions at a checkpoint, by the checkpoint that closed them, and those it inherited
/// from former instances at a rescale and has not committed yet (by their partition).
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record TwoPhaseCommitState<TTransaction>(
    [property: Id(0)] Dictionary<long, TTransaction> Pending,
    [property: Id(1)] long CheckpointId,
    [property: Id(2)] Dictionary<int, Dictionary<long, TTransaction>>? Inherited = null);
