using System.Globalization;
using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Base of the operators with keyed state: finds each record's key and key group.</summary>
internal abstract class KeyedOperator<T, TKey, TOut>(KeyedTransformation<T, TKey, TOut> transformation) : OneInputOperator<T, TOut>(transformation)
    where TKey : notnull
{
    private readonly KeySelector<T, TKey> _key = transformation.Key;

    protected static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    protected (TKey Key, int KeyGroup) KeyOf(T value)
    {
        var key = _key.GetKey(value);
        return (key, KeyGroups.Of(StableKeyHash.Of(key), Context.MaxParallelism));
    }

    protected int KeyGroupOf(TKey key) => KeyGroups.Of(StableKeyHash.Of(key), Context.MaxParallelism);

    protected static string ToJson<TValue>(TValue value) => JsonSerializer.Serialize(value, Json);

    /// <summary>
    /// For the offline inspector: the keys that <paramref name="key"/> (text, or null for all) names. Parsed as
    /// <c>client query</c> parses it where the operator has a parser (<c>007</c> names the integer key 7); otherwise it
    /// names the key whose text, or JSON, it is.
    /// </summary>
    protected Func<TKey, bool> KeyFilter(string? key, Func<string, TKey>? parse = null)
    {
        if (key is null)
        {
            return static _ => true;
        }

        if (parse is null)
        {
            return k => Convert.ToString(k, CultureInfo.InvariantCulture) == key || ToJson(k) == key;
        }

        TKey typed;
        try
        {
            typed = parse(key);
        }
        catch (FormatException e)
        {
            throw new StreamJobException($"'{key}' is not a valid key for operator '{Transformation.Uid}' (keys are {typeof(TKey).Name}): {e.Message}");
        }

        return k => EqualityComparer<TKey>.Default.Equals(k, typed);
    }
}
