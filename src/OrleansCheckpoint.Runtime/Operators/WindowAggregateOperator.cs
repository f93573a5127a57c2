using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// Aggregates each key's records per event-time tumbling window and emits a window's result when the
/// instance's watermark reaches the window's end. A record whose window had already ended by its channel's
/// watermark is late: it is counted and dropped. Judging lateness by the channel's own watermark (which only
/// depends on the order of that upstream partition's records) keeps the output deterministic.
/// </summary>
internal sealed class WindowAggregateOperator<T, TKey, TAcc, TOut>(WindowAggregateTransformation<T, TKey, TAcc, TOut> window)
    : KeyedOperator<T, TKey, WindowResult<TKey, TOut>>(window)
    where TKey : notnull
{
    private readonly IAggregateFunction<T, TAcc, TOut> _function = window.Aggregate;
    private readonly TumblingEventTimeWindows _windows = window.Windows;
    private readonly long _sizeMs = (long)window.Windows.Size.TotalMilliseconds;

    // Keyed state: per key, its open windows by start. Timers (window ends → keys) are derived from it.
    private KeyedStateTable<TKey, Dictionary<long, TAcc>> _state = null!;
    private readonly SortedDictionary<long, HashSet<(int KeyGroup, TKey Key)>> _timers = [];

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        _state = new KeyedStateTable<TKey, Dictionary<long, TAcc>>(context.KeyGroups);
    }

    public override void Accept(T value, long timestamp)
    {
        if (timestamp == long.MinValue)
        {
            throw new InvalidOperationException($"Window operator '{window.Uid}' received a record without an event timestamp; give the source a WatermarkStrategy.");
        }

        var start = _windows.WindowStart(timestamp);
        var end = start + _sizeMs;
        if (end - 1 <= Context.CurrentInputWatermark)
        {
            Context.Counters.LateRecordsDropped++;
            return;
        }

        var (key, keyGroup) = KeyOf(value);
        if (!_state.TryGet(keyGroup, key, out var open))
        {
            open = [];
            _state.Set(keyGroup, key, open);
        }

        if (!open.TryGetValue(start, out var accumulator))
        {
            accumulator = _function.CreateAccumulator();
            if (!_timers.TryGetValue(end, out var keys))
            {
                _timers[end] = keys = [];
            }

            keys.Add((keyGroup, key));
        }

        open[start] = _function.Add(value, accumulator);
    }

    public override void OnWatermark(long watermark)
    {
        while (_timers.Count > 0)
        {
            var (end, keys) = _timers.First();
            if (end - 1 > watermark)
            {
                return;
            }

            _timers.Remove(end);
            var start = end - _sizeMs;
            foreach (var (keyGroup, key) in keys)
            {
                _state.TryGet(keyGroup, key, out var open);
                open.Remove(start, out var accumulator);
                if (open.Count == 0)
                {
                    _state.Remove(keyGroup, key);
                }

                Output.Accept(
                    new WindowResult<TKey, TOut>(key, DateTimeOffset.FromUnixTimeMilliseconds(start), DateTimeOffset.FromUnixTimeMilliseconds(end), _function.GetResult(accumulator!)),
                    end - 1);
            }
        }
    }
}
