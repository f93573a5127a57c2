using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>A rolling aggregate per key; emits the key's new result after each record. Optionally queryable.</summary>
internal sealed class KeyedAggregateOperator<T, TKey, TAcc, TOut>(KeyedAggregateTransformation<T, TKey, TAcc, TOut> aggregate)
    : KeyedOperator<T, TKey, KeyedValue<TKey, TOut>>(aggregate), IIncrementalStateOperator
    where TKey : notnull
{
    private const string Table = "accumulators";

    private readonly IAggregateFunction<T, TAcc, TOut> _function = aggregate.Aggregate;
    private KeyedStateTable<TKey, TAcc> _state = null!;

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        _state = new KeyedStateTable<TKey, TAcc>(context.KeyGroups, context.Copiers?.For<TAcc>(), context.TrackStateChanges);
    }

    public override void Accept(T value, long timestamp)
    {
        var (key, keyGroup) = KeyOf(value);
        var accumulator = _state.TryGetToModify(keyGroup, key, out var existing) ? existing : _function.CreateAccumulator();
        accumulator = _function.Add(value, accumulator);
        _state.Set(keyGroup, key, accumulator);
        if (HasOutput)
        {
            Output.Accept(new KeyedValue<TKey, TOut>(key, _function.GetResult(accumulator)), timestamp);
        }
    }

    public override object SnapshotState(long checkpointId) => _state.Snapshot();

    public override void RestoreState(object state) => _state.Restore((KeyedStateSnapshot<TKey, TAcc>)state);

    // The rules read each key's result, computed from the captured accumulators.
    public override Func<string?>? PrepareConsistencyCheck(long checkpointId) =>
        ConsistencyChecks.Over(aggregate.Uid, aggregate.StateInvariants, _state, e => KeyValuePair.Create(e.Key, _function.GetResult(e.Value)));

    public void CaptureChanges(List<IStateChanges> into) => into.Add(_state.CaptureChanges(Table));

    public void CaptureAll(List<IStateSection> into) => into.Add(_state.CaptureAll(Table));

    public void RestoreSection(string table, int count, ReadOnlyMemory<byte> entries, StateCodecs codecs) =>
        (table == Table ? _state : throw new InvalidOperationException($"Operator '{aggregate.Uid}' has no state table '{table}'.")).Apply(entries, codecs);

    public void OnSectionsRestored()
    {
    }

    public void CheckTypes(StateTableType saved) => StateTypes.Check(saved, Table, typeof(TKey), typeof(TAcc));

    public IEnumerable<StateTableView> DescribeTables() => [_state.Describe(Table)];

    public IEnumerable<StateEntryView> Entries(string? key)
    {
        var accepts = KeyFilter(key, aggregate.QueryKeyParser);
        return _state.Entries().Where(e => accepts(e.Key))
            .Select(e => new StateEntryView(Table, e.KeyGroup, ToJson(e.Key), ToJson(e.Value), ToJson(_function.GetResult(e.Value))));
    }

    public override string? QueryJson(string key)
    {
        if (aggregate.QueryKeyParser is not { } parse)
        {
            return null;
        }

        TKey typed;
        try
        {
            typed = parse(key);
        }
        catch (FormatException e)
        {
            throw new StreamJobException($"'{key}' is not a valid key for operator '{aggregate.Uid}' (keys are {typeof(TKey).Name}): {e.Message}");
        }

        return _state.TryGet(KeyGroupOf(typed), typed, out var accumulator)
            ? JsonSerializer.Serialize(_function.GetResult(accumulator), Json)
            : null;
    }
}
