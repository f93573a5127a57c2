using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Runtime.Operators.Joins;

/// <summary>
/// A window join (Flink's <c>JoinedStreams</c>, which runs as a co-group of the two sides in one window operator) as a
/// keyed co-process function: each key's records are kept per window and side in value state; when the watermark
/// passes a window's end a timer emits the cross product of its two sides and drops the window. A record goes to each
/// of its windows that its channel's watermark has not passed; one late for all of them is counted and dropped.
/// </summary>
internal sealed class WindowJoinFunction<T1, T2, TKey, TOut>(WindowJoinTransformation<T1, T2, TKey, TOut> join) : KeyedCoProcessFunction<TKey, T1, T2, TOut>
    where TKey : notnull
{
    private const string WindowsState = "windows";
    private readonly EventTimeWindows _windows = join.Windows;
    private readonly Func<T1, T2, TOut> _join = join.Join;

    public override void ProcessElement1(T1 value, IKeyedContext<TKey> context, ICollector<TOut> output) => Add(context, w => w.Left.Add(value));

    public override void ProcessElement2(T2 value, IKeyedContext<TKey> context, ICollector<TOut> output) => Add(context, w => w.Right.Add(value));

    public override void OnTimer(long timestamp, IKeyedContext<TKey> context, ICollector<TOut> output)
    {
        var state = context.GetValueState<Dictionary<long, JoinWindow<T1, T2>>>(WindowsState);
        if (state.Value is not { } open)
        {
            return;
        }

        var emit = (ITimestampedCollector<TOut>)output;
        foreach (var start in open.Keys.Where(start => LastMillisecond(start) <= timestamp).Order().ToList())
        {
            var window = open[start];
            foreach (var left in window.Left)
            {
                foreach (var right in window.Right)
                {
                    emit.Collect(_join(left, right), LastMillisecond(start));
                }
            }

            open.Remove(start);
        }

        if (open.Count == 0)
        {
            state.Clear();
        }
        else
        {
            state.Update(open);
        }
    }

    private long LastMillisecond(long start) => start + _windows.SizeMs - 1;

    private void Add(IKeyedContext<TKey> context, Action<JoinWindow<T1, T2>> add)
    {
        var t = context.Timestamp;
        if (t == long.MinValue)
        {
            throw new InvalidOperationException("A window join received a record without an event timestamp; give its source a WatermarkStrategy.");
        }

        // Latest window first: the earlier ones end earlier, so once one is late, so are the rest.
        var lateness = (ILateRecordContext)context;
        var starts = _windows.WindowStarts(t);
        if (lateness.IsLate(LastMillisecond(starts.Latest)))
        {
            lateness.DropLate();
            return;
        }

        var state = context.GetValueState<Dictionary<long, JoinWindow<T1, T2>>>(WindowsState);
        var open = state.Value ?? [];
        foreach (var start in starts)
        {
            if (lateness.IsLate(LastMillisecond(start)))
            {
                break;
            }

            if (!open.TryGetValue(start, out var window))
            {
                open[start] = window = new JoinWindow<T1, T2>();
                context.RegisterEventTimeTimer(LastMillisecond(start));
            }

            add(window);
        }

        state.Update(open);
    }
}
