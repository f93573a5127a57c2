using OrleansCheckpoint.Errors;

namespace OrleansCheckpoint.Runtime.Operators.Broadcast;

/// <summary>
/// An instance's broadcast states by name: maps that every instance holds a copy of, changed only by broadcast records.
/// A snapshot copies them (they are small: rules, configuration), values with Orleans' deep copiers where given.
/// </summary>
internal sealed class BroadcastStates(string uid, State.StateCopiers? copiers)
{
    private readonly Dictionary<string, object> _states = []; // name → BroadcastState<TKey, TValue>
    private Dictionary<string, object> _restored = []; // name → Dictionary<TKey, TValue>, until the function asks for it

    public bool IsRestored { get; private set; }

    public BroadcastState<TKey, TValue> Get<TKey, TValue>(string name)
        where TKey : notnull
    {
        if (_states.TryGetValue(name, out var state))
        {
            return state as BroadcastState<TKey, TValue>
                ?? throw new InvalidOperationException($"Broadcast state '{name}' of operator '{uid}' is a map of {Describe(state.GetType())}, not of {typeof(TKey).Name} to {typeof(TValue).Name}.");
        }

        var entries = new Dictionary<TKey, TValue>();
        if (_restored.Remove(name, out var restored))
        {
            entries = restored as Dictionary<TKey, TValue>
                ?? throw new IncompatibleSnapshotException(
                    $"Broadcast state '{name}' of operator '{uid}' was saved as a map of {Describe(restored.GetType())}; the job now reads it as a map of {typeof(TKey).Name} to {typeof(TValue).Name}.");
        }

        var made = new BroadcastState<TKey, TValue>(entries);
        _states.Add(name, made);
        return made;
    }

    /// <summary>A copy of every state (those restored and not asked for yet as they were), to serialize while the instance goes on.</summary>
    public BroadcastStateSnapshot Snapshot()
    {
        var states = new Dictionary<string, object>(_restored);
        foreach (var (name, state) in _states)
        {
            states[name] = ((IBroadcastStateCopy)state).Copy(copiers);
        }

        return new BroadcastStateSnapshot(states);
    }

    public void Restore(BroadcastStateSnapshot snapshot)
    {
        _states.Clear();
        _restored = new Dictionary<string, object>(snapshot.States);
        IsRestored = true;
    }

    public string Describe() =>
        string.Join(", ", _states.Select(s => $"{s.Key}: {((IBroadcastStateCopy)s.Value).Count} entries").Concat(_restored.Select(s => $"{s.Key}: restored")));

    private static string Describe(Type type) => type.GenericTypeArguments is [var k, var v] ? $"{k.Name} to {v.Name}" : type.Name;
}

/// <summary>Copies a broadcast state for a snapshot.</summary>
internal interface IBroadcastStateCopy
{
    int Count { get; }

    object Copy(State.StateCopiers? copiers);
}

/// <summary>One broadcast state: a map, written by broadcast records, read by keyed ones.</summary>
internal sealed class BroadcastState<TKey, TValue>(Dictionary<TKey, TValue> entries) : Dataflow.IBroadcastState<TKey, TValue>, IBroadcastStateCopy
    where TKey : notnull
{
    public int Count => entries.Count;

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => entries;

    public bool TryGetValue(TKey key, out TValue value) => entries.TryGetValue(key, out value!);

    public void Put(TKey key, TValue value) => entries[key] = value;

    public bool Remove(TKey key) => entries.Remove(key);

    public void Clear() => entries.Clear();

    public object Copy(State.StateCopiers? copiers)
    {
        var copyKey = copiers?.For<TKey>();
        var copyValue = copiers?.For<TValue>();
        return entries.ToDictionary(e => copyKey is null ? e.Key : copyKey(e.Key), e => copyValue is null ? e.Value : copyValue(e.Value));
    }
}

/// <summary>An instance's broadcast states as of a checkpoint: each a <c>Dictionary&lt;TKey, TValue&gt;</c>, by name.</summary>
/// <param name="States">The maps by name.</param>
[GenerateSerializer, Immutable]
internal sealed record BroadcastStateSnapshot([property: Id(0)] Dictionary<string, object> States);

/// <summary>The whole snapshot of a keyed broadcast process operator, when keyed state is not checkpointed in pieces.</summary>
/// <param name="Keyed">Its keyed process snapshot (value states and timers).</param>
/// <param name="Broadcast">Its broadcast states.</param>
[GenerateSerializer, Immutable]
internal sealed record KeyedBroadcastSnapshot([property: Id(0)] object Keyed, [property: Id(1)] BroadcastStateSnapshot Broadcast);
