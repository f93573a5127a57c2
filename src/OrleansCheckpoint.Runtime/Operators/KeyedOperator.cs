using System.Globalization;
using System.Reflection;
using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Base of the operators with keyed state: finds each record's key and key group.</summary>
internal abstract class KeyedOperator<T, TKey, TOut>(Transformation transformation, KeySelector<T, TKey> key) : OneInputOperator<T, TOut>(transformation)
    where TKey : notnull
{
    private readonly KeySelector<T, TKey> _key = key;

    protected KeyedOperator(KeyedTransformation<T, TKey, TOut> transformation)
        : this(transformation, transformation.Key)
    {
    }

    protected static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    protected (TKey Key, int KeyGroup) KeyOf(T value)
    {
        var key = _key.GetKey(value);
        return (key, KeyGroups.Of(StableKeyHash.Of(key), Context.MaxParallelism));
    }

    protected int KeyGroupOf(TKey key) => KeyGroups.Of(StableKeyHash.Of(key), Context.MaxParallelism);

    /// <summary>A key or value as JSON for the inspector; a type System.Text.Json cannot write is shown as its text.</summary>
    protected static string ToJson<TValue>(TValue value)
    {
        try
        {
            return JsonSerializer.Serialize(value, Json);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            return JsonSerializer.Serialize(Convert.ToString(value, CultureInfo.InvariantCulture), Json);
        }
    }

    // Keys of a type that parses text (string, int, long, Guid, … — every key type `client query` takes): parsed so.
    private static readonly Func<string, TKey>? ParseText = typeof(TKey).IsAssignableTo(typeof(IParsable<>).MakeGenericType(typeof(TKey)))
        ? typeof(KeyedOperator<T, TKey, TOut>).GetMethod(nameof(ParseAs), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(typeof(TKey)).CreateDelegate<Func<string, TKey>>()
        : null;

    /// <summary>
    /// For the offline inspector: the keys that <paramref name="key"/> (text, or null for all) names. Parsed as
    /// <c>client query</c> parses it (by the operator's own parser, else as its key type parses text: <c>007</c> names
    /// the integer key 7); a key type that parses no text is matched by the key's text or JSON.
    /// </summary>
    protected Func<TKey, bool> KeyFilter(string? key, Func<string, TKey>? parse = null)
    {
        if (key is null)
        {
            return static _ => true;
        }

        if ((parse ?? ParseText) is not { } parser)
        {
            return k => Convert.ToString(k, CultureInfo.InvariantCulture) == key || ToJson(k) == key;
        }

        TKey typed;
        try
        {
            typed = parser(key);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new StreamJobException($"'{key}' is not a valid key for operator '{Transformation.Uid}' (keys are {typeof(TKey).Name}): {e.Message}");
        }

        return k => EqualityComparer<TKey>.Default.Equals(k, typed);
    }

    private static TParsed ParseAs<TParsed>(string text)
        where TParsed : IParsable<TParsed> => TParsed.Parse(text, CultureInfo.InvariantCulture);
}
