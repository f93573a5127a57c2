namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A consistency function bound to one named value state of a keyed process function
/// (<see cref="StateInvariantExtensions.WithValueStateInvariant{TOut, TKey, TValue}"/>). The runtime asks it, with the
/// synchronous part of each checkpoint, for a check bound to an immutable view of that state.
/// </summary>
public interface IValueStateInvariant
{
    /// <summary>The value state the rule reads (the name given to <see cref="IKeyedContext{TKey}.GetValueState{TValue}"/>).</summary>
    string StateName { get; }

    /// <summary>Captures the state's view from <paramref name="views"/> now, and returns the check to run later: null when it holds, else the violation.</summary>
    Func<string?> Prepare(IKeyedStateViews views);
}

/// <summary>Immutable views of an operator instance's keyed state, as a checkpoint captures it (the runtime implements it).</summary>
public interface IKeyedStateViews
{
    /// <summary>Every key's value of the value state <paramref name="name"/>, as of now; later writes do not change the view.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> ValueState<TKey, TValue>(string name);
}

/// <summary>A <see cref="StateInvariant{TKey, TValue}"/> over the value state <see cref="StateName"/>.</summary>
internal sealed class ValueStateInvariant<TKey, TValue>(string stateName, StateInvariant<TKey, TValue> invariant) : IValueStateInvariant
{
    public string StateName { get; } = stateName;

    public Func<string?> Prepare(IKeyedStateViews views)
    {
        var entries = views.ValueState<TKey, TValue>(StateName);
        return () => invariant.Check(entries) is { } violation ? $"value state '{StateName}': {violation}" : null;
    }
}
