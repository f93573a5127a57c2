namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Attaches consistency functions (<see cref="StateInvariant{TKey, TValue}"/>) to a rolling keyed aggregate
/// (<c>Aggregate</c>, <c>Count</c>, <c>Reduce</c>): each rule reads every key's current result as of a checkpoint.
/// <code>
/// requests.KeyBy(r =&gt; r.Endpoint)
///     .Count("endpoint-totals")
///     .WithStateInvariant("no count is negative", (endpoint, count) =&gt; count &gt;= 0)
///     .WithStateInvariant("at most 50 endpoints", totals =&gt; totals.Count() &lt;= 50);
/// </code>
/// The rules run on the thread pool on the state the checkpoint captured, while its snapshot is serialized; the
/// processing path pays for the capture only: each key group written after a checkpoint is copied once
/// (copy-on-write), as the snapshot itself does.
/// </summary>
public static class StateInvariantExtensions
{
    /// <summary>Every entry must satisfy <paramref name="holds"/>; a violation names <paramref name="name"/> and the first key that breaks it.</summary>
    public static DataStream<KeyedValue<TKey, TValue>> WithStateInvariant<TKey, TValue>(
        this DataStream<KeyedValue<TKey, TValue>> stream, string name, Func<TKey, TValue, bool> holds)
        where TKey : notnull => stream.WithStateInvariant(StateInvariant<TKey, TValue>.ForEachEntry(name, holds));

    /// <summary>The instance's entries together must satisfy <paramref name="holds"/>; a violation names <paramref name="name"/>.</summary>
    public static DataStream<KeyedValue<TKey, TValue>> WithStateInvariant<TKey, TValue>(
        this DataStream<KeyedValue<TKey, TValue>> stream, string name, Func<IEnumerable<KeyValuePair<TKey, TValue>>, bool> holds)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(holds);
        return stream.WithStateInvariant(StateInvariant<TKey, TValue>.ForWholeState(name, entries => holds(entries) ? null : string.Empty));
    }

    /// <summary>
    /// The instance's entries together are checked by <paramref name="check"/>, which returns null when they are
    /// consistent or a message saying what is not (reported with <paramref name="name"/>).
    /// </summary>
    public static DataStream<KeyedValue<TKey, TValue>> WithStateCheck<TKey, TValue>(
        this DataStream<KeyedValue<TKey, TValue>> stream, string name, Func<IEnumerable<KeyValuePair<TKey, TValue>>, string?> check)
        where TKey : notnull => stream.WithStateInvariant(StateInvariant<TKey, TValue>.ForWholeState(name, check));

    /// <summary>
    /// Attaches <paramref name="invariant"/> over the value state <paramref name="valueState"/> to the keyed process
    /// function that produces <paramref name="stream"/>, e.g.
    /// <c>.WithValueStateInvariant("count", StateInvariant&lt;string, long&gt;.ForEachEntry("no count is negative", (_, c) =&gt; c &gt;= 0))</c>.
    /// A state of another value type than the rule's is a violation that names both.
    /// </summary>
    public static DataStream<TOut> WithValueStateInvariant<TOut, TKey, TValue>(this DataStream<TOut> stream, string valueState, StateInvariant<TKey, TValue> invariant)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(valueState);
        ArgumentNullException.ThrowIfNull(invariant);
        if (stream.Transformation is not IHasValueStateInvariants target)
        {
            throw new InvalidJobGraphException($"{stream.Transformation} has no value states: attach a value-state invariant to a keyed process function (Process).");
        }

        target.AddValueStateInvariant(new ValueStateInvariant<TKey, TValue>(valueState, invariant));
        return stream;
    }

    /// <summary>
    /// Every open window's result so far must satisfy <paramref name="holds"/> (key, the window's aggregate of the
    /// records it holds yet), e.g. <c>.Window(…).Count("counts").WithStateInvariant("no window above 10,000", (_, n) =&gt; n &lt;= 10_000)</c>.
    /// </summary>
    public static DataStream<WindowResult<TKey, TValue>> WithStateInvariant<TKey, TValue>(
        this DataStream<WindowResult<TKey, TValue>> stream, string name, Func<TKey, TValue, bool> holds)
        where TKey : notnull => stream.WithStateInvariant(StateInvariant<TKey, TValue>.ForEachEntry(name, holds));

    /// <summary>Attaches <paramref name="invariant"/> over the open windows' results (a key once per open window) to the window aggregate that produces <paramref name="stream"/>.</summary>
    public static DataStream<WindowResult<TKey, TValue>> WithStateInvariant<TKey, TValue>(
        this DataStream<WindowResult<TKey, TValue>> stream, StateInvariant<TKey, TValue> invariant)
        where TKey : notnull =>
        Attach(stream, invariant, "keeps no window state to check: attach a window invariant to a window aggregate (Window(…).Aggregate, Count, Reduce)");

    /// <summary>Attaches <paramref name="invariant"/> to the rolling aggregate that produces <paramref name="stream"/>.</summary>
    public static DataStream<KeyedValue<TKey, TValue>> WithStateInvariant<TKey, TValue>(
        this DataStream<KeyedValue<TKey, TValue>> stream, StateInvariant<TKey, TValue> invariant)
        where TKey : notnull =>
        Attach(stream, invariant, "keeps no per-key state to check: attach a state invariant to a rolling keyed aggregate (Aggregate, Count, Reduce)");

    private static DataStream<T> Attach<T, TKey, TValue>(DataStream<T> stream, StateInvariant<TKey, TValue> invariant, string refusal)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(invariant);
        if (stream.Transformation is not IHasStateInvariants<TKey, TValue> target)
        {
            throw new InvalidJobGraphException($"{stream.Transformation} {refusal}.");
        }

        target.AddStateInvariant(invariant);
        return stream;
    }
}

/// <summary>A transformation with named value states that consistency functions can check.</summary>
internal interface IHasValueStateInvariants
{
    void AddValueStateInvariant(IValueStateInvariant invariant);
}

/// <summary>A transformation whose keyed state consistency functions can check (key and value as the rules read them).</summary>
internal interface IHasStateInvariants<TKey, TValue>
{
    void AddStateInvariant(StateInvariant<TKey, TValue> invariant);
}
