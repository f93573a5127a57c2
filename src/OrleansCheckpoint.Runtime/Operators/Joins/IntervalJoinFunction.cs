using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Runtime.Operators.Joins;

/// <summary>
/// An interval join (Flink's <c>IntervalJoinOperator</c>) as a keyed co-process function: each side's records of a key
/// are kept in value state; a new record meets the other side's kept records within the interval; a record is dropped
/// when the watermark passes the last time a partner of it could still come (a timer per key and time). A record
/// behind its channel's watermark is late: counted and dropped. Whatever the interleaving of the two inputs, a pair
/// of records that are not late meets exactly once: the later of the two finds the earlier still kept, because the
/// earlier is dropped only once the watermark has passed every time the later could have.
/// </summary>
internal sealed class IntervalJoinFunction<T1, T2, TKey, TOut>(IntervalJoinTransformation<T1, T2, TKey, TOut> join) : KeyedCoProcessFunction<TKey, T1, T2, TOut>
    where TKey : notnull
{
    private const string LeftState = "left";
    private const string RightState = "right";
    private readonly long _lower = join.LowerMs;
    private readonly long _upper = join.UpperMs;
    private readonly Func<T1, T2, TOut> _join = join.Join;

    public override void ProcessElement1(T1 value, IKeyedContext<TKey> context, ICollector<TOut> output)
    {
        if (Admit(context) is not { } t)
        {
            return;
        }

        var emit = (ITimestampedCollector<TOut>)output;
        if (context.GetValueState<List<JoinEntry<T2>>>(RightState).Value is { } rights)
        {
            foreach (var right in rights)
            {
                if (right.Timestamp >= t + _lower && right.Timestamp <= t + _upper)
                {
                    emit.Collect(_join(value, right.Value), Math.Max(t, right.Timestamp));
                }
            }
        }

        Keep(context, LeftState, new JoinEntry<T1>(t, value));
        context.RegisterEventTimeTimer(LeftCleanup(t));
    }

    public override void ProcessElement2(T2 value, IKeyedContext<TKey> context, ICollector<TOut> output)
    {
        if (Admit(context) is not { } t)
        {
            return;
        }

        var emit = (ITimestampedCollector<TOut>)output;
        if (context.GetValueState<List<JoinEntry<T1>>>(LeftState).Value is { } lefts)
        {
            foreach (var left in lefts)
            {
                if (t >= left.Timestamp + _lower && t <= left.Timestamp + _upper)
                {
                    emit.Collect(_join(left.Value, value), Math.Max(t, left.Timestamp));
                }
            }
        }

        Keep(context, RightState, new JoinEntry<T2>(t, value));
        context.RegisterEventTimeTimer(RightCleanup(t));
    }

    public override void OnTimer(long timestamp, IKeyedContext<TKey> context, ICollector<TOut> output)
    {
        Expire(context, LeftState, (JoinEntry<T1> e) => LeftCleanup(e.Timestamp) <= timestamp);
        Expire(context, RightState, (JoinEntry<T2> e) => RightCleanup(e.Timestamp) <= timestamp);
    }

    // A left record at t meets rights up to t + upper; a right one at t meets lefts down to t - upper … up to t - lower.
    private long LeftCleanup(long t) => _upper > 0 ? t + _upper : t;

    private long RightCleanup(long t) => _lower < 0 ? t - _lower : t;

    private static long? Admit(IKeyedContext<TKey> context)
    {
        var t = context.Timestamp;
        if (t == long.MinValue)
        {
            throw new InvalidOperationException("An interval join received a record without an event timestamp; give its source a WatermarkStrategy.");
        }

        var lateness = (ILateRecordContext)context;
        if (lateness.IsLate(t))
        {
            lateness.DropLate();
            return null;
        }

        return t;
    }

    private static void Keep<T>(IKeyedContext<TKey> context, string name, JoinEntry<T> entry)
    {
        var state = context.GetValueState<List<JoinEntry<T>>>(name);
        var kept = state.Value ?? [];
        kept.Add(entry);
        state.Update(kept);
    }

    private static void Expire<T>(IKeyedContext<TKey> context, string name, Predicate<JoinEntry<T>> expired)
    {
        var state = context.GetValueState<List<JoinEntry<T>>>(name);
        if (state.Value is not { } kept || kept.RemoveAll(expired) == 0)
        {
            return;
        }

        if (kept.Count == 0)
        {
            state.Clear();
        }
        else
        {
            state.Update(kept);
        }
    }
}
