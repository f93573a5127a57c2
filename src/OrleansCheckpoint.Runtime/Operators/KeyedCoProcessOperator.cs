using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// Runs a keyed co-process function (and the joins built on one): a keyed process operator whose records are those of
/// either input, tagged by the input they came on, so both inputs share its per-key state, its timers and its snapshots.
/// Always the head of its chain: its two inputs are hash-partitioned edges, its barriers align and its watermark is the
/// lowest over the channels of both (the task's input gate does both for any operator with several channels).
/// </summary>
internal sealed class KeyedCoProcessOperator<T1, T2, TKey, TOut>(
    KeyedTwoInputTransformation<T1, T2, TKey, TOut> transformation, KeyedCoProcessFunction<TKey, T1, T2, TOut> function, IReadOnlyList<IValueStateInvariant> invariants)
    : KeyedProcessOperator<CoRecord<T1, T2>, TKey, TOut>(transformation, KeyOf(transformation), new Adapter(function), invariants)
    where TKey : notnull
{
    public override void ProcessBatch(ChannelBatch batch) =>
        throw new InvalidOperationException($"Two-input operator '{Transformation.Uid}' needs to know which input a batch came on.");

    public override void ProcessBatch(ChannelBatch batch, int input)
    {
        if (input == 0)
        {
            foreach (var record in ((ChannelBatch<T1>)batch).Records)
            {
                Accept(CoRecord<T1, T2>.OfFirst(record.Value), record.Timestamp);
            }
        }
        else
        {
            foreach (var record in ((ChannelBatch<T2>)batch).Records)
            {
                Accept(CoRecord<T1, T2>.OfSecond(record.Value), record.Timestamp);
            }
        }
    }

    private static KeySelector<CoRecord<T1, T2>, TKey> KeyOf(KeyedTwoInputTransformation<T1, T2, TKey, TOut> transformation) =>
        new(r => r.IsFirst ? transformation.Key1.GetKey(r.First) : transformation.Key2.GetKey(r.Second));

    private sealed class Adapter(KeyedCoProcessFunction<TKey, T1, T2, TOut> function) : KeyedProcessFunction<TKey, CoRecord<T1, T2>, TOut>
    {
        public override void ProcessElement(CoRecord<T1, T2> value, IKeyedContext<TKey> context, ICollector<TOut> output)
        {
            if (value.IsFirst)
            {
                function.ProcessElement1(value.First, context, output);
            }
            else
            {
                function.ProcessElement2(value.Second, context, output);
            }
        }

        public override void OnTimer(long timestamp, IKeyedContext<TKey> context, ICollector<TOut> output) => function.OnTimer(timestamp, context, output);
    }
}
