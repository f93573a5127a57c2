using System.Text.Json;
using OrleansCheckpoint.Dataflow;
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
}
