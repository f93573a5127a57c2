using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Applies a function to each record.</summary>
internal sealed class MapOperator<TIn, TOut>(MapTransformation<TIn, TOut> map) : OneInputOperator<TIn, TOut>(map)
{
    private readonly Func<TIn, TOut> _map = map.Map;

    public override void Accept(TIn value, long timestamp) => Output.Accept(_map(value), timestamp);
}

/// <summary>Keeps the records for which a predicate holds.</summary>
internal sealed class FilterOperator<T>(FilterTransformation<T> filter) : OneInputOperator<T, T>(filter)
{
    private readonly Func<T, bool> _predicate = filter.Predicate;

    public override void Accept(T value, long timestamp)
    {
        if (_predicate(value))
        {
            Output.Accept(value, timestamp);
        }
    }
}

/// <summary>Emits zero or more records per record; emitted records keep the input's timestamp.</summary>
internal sealed class FlatMapOperator<TIn, TOut>(FlatMapTransformation<TIn, TOut> flatMap) : OneInputOperator<TIn, TOut>(flatMap), ICollector<TOut>
{
    private readonly Action<TIn, ICollector<TOut>> _flatMap = flatMap.FlatMap;
    private long _timestamp;

    public override void Accept(TIn value, long timestamp)
    {
        _timestamp = timestamp;
        _flatMap(value, this);
    }

    public void Collect(TOut value) => Output.Accept(value, _timestamp);
}

/// <summary>Merges streams of one type: each record of any input goes on as it is.</summary>
internal sealed class UnionOperator<T>(UnionTransformation<T> union) : OneInputOperator<T, T>(union)
{
    public override void Accept(T value, long timestamp) => Output.Accept(value, timestamp);
}
