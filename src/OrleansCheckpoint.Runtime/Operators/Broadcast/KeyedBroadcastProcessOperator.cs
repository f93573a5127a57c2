using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Operators.Broadcast;

/// <summary>
/// Runs a keyed broadcast process function: input 1, keyed records, as a keyed process operator runs them (per-key state
/// and timers) with a read-only view of the broadcast state; input 2, broadcast records — every one reaches every
/// instance — with the broadcast state writable and no key. The broadcast state is the instance's own copy: taken with
/// each snapshot beside its keyed state, restored with it, and after a rescale copied to instances that had none.
/// </summary>
internal sealed class KeyedBroadcastProcessOperator<T, TBroadcast, TKey, TOut>(KeyedBroadcastProcessTransformation<T, TBroadcast, TKey, TOut> transformation)
    : KeyedProcessOperator<CoRecord<T, TBroadcast>, TKey, TOut>(transformation, new KeySelector<CoRecord<T, TBroadcast>, TKey>(r => transformation.Key.GetKey(r.First)), new Adapter(transformation.CreateFunction()), []),
      IKeyedBroadcastContext<TKey>
    where TKey : notnull
{
    private BroadcastStates _broadcast = null!;
    private BroadcastSide _side = null!;

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        _broadcast = new BroadcastStates(Transformation.Uid, context.Copiers);
        _side = new BroadcastSide(this);
    }

    public override void ProcessBatch(ChannelBatch batch) =>
        throw new InvalidOperationException($"Two-input operator '{Transformation.Uid}' needs to know which input a batch came on.");

    public override void ProcessBatch(ChannelBatch batch, int input)
    {
        if (input == 0)
        {
            foreach (var record in ((ChannelBatch<T>)batch).Records)
            {
                Accept(CoRecord<T, TBroadcast>.OfFirst(record.Value), record.Timestamp);
            }

            return;
        }

        foreach (var record in ((ChannelBatch<TBroadcast>)batch).Records)
        {
            _side.Timestamp = record.Timestamp;
            ((Adapter)Function).User.ProcessBroadcastElement(record.Value, _side, _side);
        }
    }

    public IReadOnlyBroadcastState<TStateKey, TValue> GetBroadcastState<TStateKey, TValue>(string name)
        where TStateKey : notnull => _broadcast.Get<TStateKey, TValue>(name);

    public override object SnapshotState(long checkpointId) => new KeyedBroadcastSnapshot(base.SnapshotState(checkpointId), _broadcast.Snapshot());

    public override object? SnapshotNonKeyedState(long checkpointId) => _broadcast.Snapshot();

    public override void RestoreState(object state)
    {
        switch (state)
        {
            case KeyedBroadcastSnapshot whole:
                base.RestoreState(whole.Keyed);
                _broadcast.Restore(whole.Broadcast);
                break;
            case BroadcastStateSnapshot broadcast:
                _broadcast.Restore(broadcast);
                break;
            default:
                base.RestoreState(state);
                break;
        }
    }

    // Every instance holds the same broadcast state: after a rescale, one that has none yet takes any former instance's.
    public override void RestoreStateOf(int partition, object state) => RestoreSharedState(state);

    public override void RestoreSharedState(object state)
    {
        if (!_broadcast.IsRestored && state is BroadcastStateSnapshot broadcast)
        {
            _broadcast.Restore(broadcast);
        }
    }

    public override string? DescribeState() => $"broadcast state: {_broadcast.Describe()}";

    /// <summary>What a broadcast record sees and emits through: no key, the broadcast state writable, output at the record's timestamp.</summary>
    private sealed class BroadcastSide(KeyedBroadcastProcessOperator<T, TBroadcast, TKey, TOut> owner) : IBroadcastContext, ICollector<TOut>
    {
        public long Timestamp { get; set; }

        public long CurrentWatermark => owner.CurrentWatermark;

        public IBroadcastState<TStateKey, TValue> GetBroadcastState<TStateKey, TValue>(string name)
            where TStateKey : notnull => owner._broadcast.Get<TStateKey, TValue>(name);

        public void Collect(TOut value) => owner.Collect(value, Timestamp);
    }

    private sealed class Adapter(KeyedBroadcastProcessFunction<TKey, T, TBroadcast, TOut> function) : KeyedProcessFunction<TKey, CoRecord<T, TBroadcast>, TOut>
    {
        public KeyedBroadcastProcessFunction<TKey, T, TBroadcast, TOut> User => function;

        public override void ProcessElement(CoRecord<T, TBroadcast> value, IKeyedContext<TKey> context, ICollector<TOut> output) =>
            function.ProcessElement(value.First, (IKeyedBroadcastContext<TKey>)context, output);

        public override void OnTimer(long timestamp, IKeyedContext<TKey> context, ICollector<TOut> output) =>
            function.OnTimer(timestamp, (IKeyedBroadcastContext<TKey>)context, output);
    }
}
