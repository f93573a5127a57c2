using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// Aggregates each key's records per event-time window (tumbling or sliding) and emits a window's result when the
/// instance's watermark reaches the window's end. A record belongs to every window that holds its timestamp; it is
/// late for a window that had already ended by its channel's watermark (end − 1 ≤ watermark). It is added to the
/// windows it is not late for, and counted and dropped as late only when it is late for all of them: a sliding
/// window that is still open gets it even though an older one it belongs to has fired (as Flink's window operator
/// does: it skips the late windows and drops a record only when it skipped them all). Judging
/// lateness by the channel's own watermark (which only depends on the order of that upstream partition's records)
/// keeps the output deterministic.
/// </summary>
internal sealed class WindowAggregateOperator<T, TKey, TAcc, TOut>(WindowAggregateTransformation<T, TKey, TAcc, TOut> window)
    : KeyedOperator<T, TKey, WindowResult<TKey, TOut>>(window), IIncrementalStateOperator
    where TKey : notnull
{
    private const string Table = "windows";
    private const string TimersTable = "timers"; // derived: one per open (key, window), due at the window's end - 1

    private readonly IAggregateFunction<T, TAcc, TOut> _function = window.Aggregate;
    private readonly EventTimeWindows _windows = window.Windows;
    private readonly long _sizeMs = window.Windows.SizeMs;

    // Keyed state: the accumulator of each open (key, window). The timers (window end → keys to fire) are
    // derived from it, so a snapshot holds only the state. A list suffices: a timer is added only with a new
    // accumulator, so never twice (a record for a window that has fired is late for it, and restores start empty).
    private readonly SortedDictionary<long, List<(int KeyGroup, TKey Key)>> _timers = [];
    private KeyedStateTable<WindowKey<TKey>, TAcc> _state = null!;
    private int _firedOfFirst; // how many keys of the earliest window end fired, while firing it is interrupted

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        _state = new KeyedStateTable<WindowKey<TKey>, TAcc>(context.KeyGroups, context.Copiers?.For<TAcc>(), context.TrackStateChanges);
    }

    // The rules read each open window's result so far (its key, its result), computed from the captured accumulators.
    public override Func<string?>? PrepareConsistencyCheck(long checkpointId) =>
        ConsistencyChecks.Over(window.Uid, window.StateInvariants, _state, e => KeyValuePair.Create(e.Key.Key, _function.GetResult(e.Value)));

    public override void Accept(T value, long timestamp)
    {
        if (timestamp == long.MinValue)
        {
            throw new InvalidOperationException($"Window operator '{window.Uid}' received a record without an event timestamp; give the source a WatermarkStrategy.");
        }

        // Latest window first: the earlier ones end earlier, so once one is late, so are the rest.
        var watermark = Context.CurrentInputWatermark;
        var starts = _windows.WindowStarts(timestamp);
        if (starts.Latest + _sizeMs - 1 <= watermark)
        {
            Context.Counters.LateRecordsDropped++;
            return;
        }

        var (key, keyGroup) = KeyOf(value);
        foreach (var start in starts)
        {
            if (start + _sizeMs - 1 <= watermark)
            {
                return;
            }

            var windowKey = new WindowKey<TKey>(key, start);
            ref var accumulator = ref _state.GetValueRefOrAddDefault(keyGroup, windowKey, out var existed);
            if (!existed)
            {
                AddTimer(keyGroup, windowKey);
            }

            accumulator = _function.Add(value, existed ? accumulator! : _function.CreateAccumulator());
        }
    }

    public override bool OnWatermark(long watermark, int budget)
    {
        while (_timers.Count > 0)
        {
            var (end, keys) = _timers.First();
            if (end - 1 > watermark)
            {
                return true;
            }

            var start = end - _sizeMs;
            for (; _firedOfFirst < keys.Count; _firedOfFirst++)
            {
                if (budget-- == 0)
                {
                    return false; // resumes at this key of this window
                }

                var (keyGroup, key) = keys[_firedOfFirst];
                _state.TryRemove(keyGroup, new WindowKey<TKey>(key, start), out var accumulator);
                Output.Accept(
                    new WindowResult<TKey, TOut>(key, DateTimeOffset.FromUnixTimeMilliseconds(start), DateTimeOffset.FromUnixTimeMilliseconds(end), _function.GetResult(accumulator)),
                    end - 1);
            }

            _timers.Remove(end);
            _firedOfFirst = 0;
        }

        return true;
    }

    public override object SnapshotState(long checkpointId) => _state.Snapshot();

    public override void RestoreState(object state)
    {
        _state.Restore((KeyedStateSnapshot<WindowKey<TKey>, TAcc>)state);
        OnSectionsRestored();
    }

    public void CaptureChanges(List<IStateChanges> into) => into.Add(_state.CaptureChanges(Table));

    public void CaptureAll(List<IStateSection> into) => into.Add(_state.CaptureAll(Table));

    public void RestoreSection(string table, int count, ReadOnlyMemory<byte> entries, StateCodecs codecs) =>
        (table == Table ? _state : throw new InvalidOperationException($"Operator '{window.Uid}' has no state table '{table}'.")).Apply(entries, codecs);

    public void CheckTypes(StateTableType saved) => StateTypes.Check(saved, Table, typeof(WindowKey<TKey>), typeof(TAcc));

    // The timers derive from the state: one per open (key, window).
    public void OnSectionsRestored()
    {
        _timers.Clear();
        foreach (var (keyGroup, entries) in _state.NonEmptyGroups())
        {
            foreach (var windowKey in entries.Keys)
            {
                AddTimer(keyGroup, windowKey);
            }
        }
    }

    public IEnumerable<StateTableView> DescribeTables()
    {
        var windows = _state.Describe(Table);
        return [windows, windows with { Table = TimersTable }];
    }

    // Each open window's accumulator (and the result it gives so far), then the timer that will fire it.
    public IEnumerable<StateEntryView> Entries(string? key)
    {
        var accepts = KeyFilter(key);
        var open = _state.Entries().Where(e => accepts(e.Key.Key));
        return open.Select(e => new StateEntryView(
                Table,
                e.KeyGroup,
                ToJson(e.Key.Key),
                ToJson(new { e.Key.Start, End = e.Key.Start + _sizeMs, Accumulator = e.Value }),
                ToJson(_function.GetResult(e.Value))))
            .Concat(open.Select(e => new StateEntryView(TimersTable, e.KeyGroup, ToJson(e.Key.Key), ToJson(new { Time = e.Key.Start + _sizeMs - 1 }))));
    }

    private void AddTimer(int keyGroup, WindowKey<TKey> windowKey)
    {
        var end = windowKey.Start + _sizeMs;
        if (!_timers.TryGetValue(end, out var keys))
        {
            _timers[end] = keys = [];
        }

        keys.Add((keyGroup, windowKey.Key));
    }
}

/// <summary>A key and the start of one of its windows: the key of window state.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="Start">The window's start (Unix milliseconds).</param>
[GenerateSerializer, Immutable]
internal readonly record struct WindowKey<TKey>([property: Id(0)] TKey Key, [property: Id(1)] long Start);
