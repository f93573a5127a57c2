using System.Globalization;

namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A consistency function: a named rule over one operator instance's keyed state, checked on the state each
/// checkpoint captures, off the processing path. A violation declines that checkpoint with the rule's name and
/// message (a failed checkpoint, counted against <c>TolerableFailures</c>); the job keeps running from its last
/// good checkpoint. Attach one with <see cref="StateInvariantExtensions"/>.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The per-key value the rule reads (a rolling aggregate's result).</typeparam>
public sealed class StateInvariant<TKey, TValue>
{
    private readonly Func<TKey, TValue, bool>? _entry;
    private readonly Func<IEnumerable<KeyValuePair<TKey, TValue>>, string?>? _state;

    private StateInvariant(string name, Func<TKey, TValue, bool>? entry, Func<IEnumerable<KeyValuePair<TKey, TValue>>, string?>? state)
    {
        Name = string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A state invariant needs a name: it is what a declined checkpoint reports.", nameof(name)) : name;
        _entry = entry;
        _state = state;
    }

    /// <summary>What the rule says, in words (reported when it is violated).</summary>
    public string Name { get; }

    /// <summary>A rule every entry must satisfy, e.g. <c>(key, count) =&gt; count &gt;= 0</c>.</summary>
    public static StateInvariant<TKey, TValue> ForEachEntry(string name, Func<TKey, TValue, bool> holds) =>
        new(name, holds ?? throw new ArgumentNullException(nameof(holds)), null);

    /// <summary>A rule over the instance's whole state: <paramref name="check"/> returns null when it holds, or what is wrong (empty: just that it does not hold).</summary>
    public static StateInvariant<TKey, TValue> ForWholeState(string name, Func<IEnumerable<KeyValuePair<TKey, TValue>>, string?> check) =>
        new(name, null, check ?? throw new ArgumentNullException(nameof(check)));

    /// <summary>
    /// Checks the rule against one instance's entries: null when it holds, else the violation in words, naming the rule
    /// (and, for a per-entry rule, the first entry that breaks it). A rule that throws is violated.
    /// </summary>
    public string? Check(IEnumerable<KeyValuePair<TKey, TValue>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        try
        {
            if (_entry is not null)
            {
                foreach (var (key, value) in entries)
                {
                    if (!_entry(key, value))
                    {
                        return $"invariant '{Name}' does not hold for key {Text(key)} (value {Text(value)})";
                    }
                }

                return null;
            }

            return _state!(entries) switch
            {
                null => null,
                "" => $"invariant '{Name}' does not hold",
                var problem => $"invariant '{Name}' does not hold: {problem}",
            };
        }
        catch (Exception e)
        {
            return $"invariant '{Name}' threw {e.GetType().Name}: {e.Message}";
        }
    }

    private static string Text<T>(T value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
}
