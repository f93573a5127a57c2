using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Runs a keyed process function, giving it value state scoped to each record's key.</summary>
internal sealed class KeyedProcessOperator<T, TKey, TOut>(KeyedProcessTransformation<T, TKey, TOut> process)
    : KeyedOperator<T, TKey, TOut>(process), IKeyedContext<TKey>, ICollector<TOut>
    where TKey : notnull
{
    private readonly KeyedProcessFunction<TKey, T, TOut> _function = process.CreateFunction();
    private readonly Dictionary<string, IValueStateTable> _states = [];
    private Dictionary<string, object> _restored = [];
    private int _currentKeyGroup;

    public TKey CurrentKey { get; private set; } = default!;

    public long Timestamp { get; private set; }

    public long CurrentWatermark => Context.CurrentWatermark;

    public override void Accept(T value, long timestamp)
    {
        (CurrentKey, _currentKeyGroup) = KeyOf(value);
        Timestamp = timestamp;
        _function.ProcessElement(value, this, this);
    }

    public void Collect(TOut value) => Output.Accept(value, Timestamp);

    public IValueState<TValue> GetValueState<TValue>(string name)
    {
        if (!_states.TryGetValue(name, out var state))
        {
            var table = new KeyedStateTable<TKey, TValue>(Context.KeyGroups);
            if (_restored.Remove(name, out var snapshot))
            {
                table.Restore((KeyedStateSnapshot<TKey, TValue>)snapshot);
            }

            state = new ValueState<TValue>(this, table);
            _states.Add(name, state);
        }

        return state as IValueState<TValue>
            ?? throw new InvalidOperationException($"Value state '{name}' of operator '{process.Uid}' holds {state.GetType().GenericTypeArguments[0].Name}, not {typeof(TValue).Name}.");
    }

    // Every state by name; states restored but not yet asked for by the function are kept as they were.
    public override object SnapshotState(long checkpointId) =>
        _states.ToDictionary(s => s.Key, s => s.Value.Snapshot()).Concat(_restored).ToDictionary(s => s.Key, s => s.Value);

    public override void RestoreState(object state) => _restored = new Dictionary<string, object>((Dictionary<string, object>)state);

    private interface IValueStateTable
    {
        object Snapshot();
    }

    private sealed class ValueState<TValue>(KeyedProcessOperator<T, TKey, TOut> owner, KeyedStateTable<TKey, TValue> table) : IValueState<TValue>, IValueStateTable
    {
        public object Snapshot() => table.Snapshot();

        public bool HasValue => table.TryGet(owner._currentKeyGroup, owner.CurrentKey, out _);

        public TValue? Value => table.TryGet(owner._currentKeyGroup, owner.CurrentKey, out var value) ? value : default;

        public void Update(TValue value) => table.Set(owner._currentKeyGroup, owner.CurrentKey, value);

        public void Clear() => table.Remove(owner._currentKeyGroup, owner.CurrentKey);
    }
}
