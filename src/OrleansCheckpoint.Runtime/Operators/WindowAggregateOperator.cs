using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Channels;
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
/// With an allowed lateness L (Flink's <c>allowedLateness</c>), a window's state outlives its firing until the instance's
/// watermark reaches end − 1 + L; a record late for a window by less than that (its channel's watermark below end − 1 + L)
/// is added, and if the window has already fired (by the instance's watermark) it fires again at once with the updated
/// result, as Flink's EventTimeTrigger fires for a late element. A record later than that for every window it belongs to
/// goes to the late-data side output, or is counted and dropped. The last result of each window is thus exact; with
/// several input channels, whether a record late by its own channel arrives before or after the window's first firing
/// (one result or two) depends on how the channels interleave.
/// </summary>
internal sealed class WindowAggregateOperator<T, TKey, TAcc, TOut>(WindowAggregateTransformation<T, TKey, TAcc, TOut> window)
    : KeyedOperator<T, TKey, WindowResult<TKey, TOut>>(window), IIncrementalStateOperator
    where TKey : notnull
{
    private const string Table = "windows";
    private const string TimersTable = "timers"; // derived: per open (key, window), due at the window's end - 1 (and end - 1 + lateness)

    private readonly IAggregateFunction<T, TAcc, TOut> _function = window.Aggregate;
    private readonly EventTimeWindows _windows = window.Windows;
    private readonly long _sizeMs = window.Windows.SizeMs;
    private readonly long _latenessMs = window.AllowedLatenessMs;
    private readonly LateDataOutput<T> _late = new(window.LateDataOutput);

    // Keyed state: the accumulator of each open (key, window). The timers (time → windows to fire or clean) are
    // derived from it and the instance's watermark, so a snapshot holds only the state. A list suffices: timers are
    // added only with a new accumulator, so never twice (a window's state lives until its cleanup timer removes it).
    private readonly SortedDictionary<long, List<WindowTimer>> _timers = [];
    private KeyedStateTable<WindowKey<TKey>, TAcc> _state = null!;
    private int _firedOfFirst; // how many timers of the earliest time ran, while running them is interrupted

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
        if (CleanupTime(starts.Latest) <= watermark)
        {
            _late.Late(value, timestamp, Context.Counters);
            return;
        }

        var (key, keyGroup) = KeyOf(value);
        foreach (var start in starts)
        {
            if (CleanupTime(start) <= watermark)
            {
                return;
            }

            var windowKey = new WindowKey<TKey>(key, start);
            ref var accumulator = ref _state.GetValueRefOrAddDefault(keyGroup, windowKey, out var existed);
            accumulator = _function.Add(value, existed ? accumulator! : _function.CreateAccumulator());
            var fired = _latenessMs > 0 && start + _sizeMs - 1 <= Context.CurrentWatermark; // only a lateness keeps a fired window
            if (!existed)
            {
                AddTimers(keyGroup, windowKey, fired);
            }

            if (fired)
            {
                Emit(key, start, accumulator); // fires again with the late record
            }
        }
    }

    public override IChannelWriter CreateWriter(ChannelWriterSpec spec) => _late.TryCreateWriter(spec) ?? base.CreateWriter(spec);

    public override void ConnectOutput(StreamOperator? next, IReadOnlyList<IChannelWriter> writers) =>
        base.ConnectOutput(next, _late.Connect(writers)); // the side output's writers take the late records

    public override bool OnWatermark(long watermark, int budget)
    {
        while (_timers.Count > 0)
        {
            var (time, timers) = _timers.First();
            if (time > watermark)
            {
                return true;
            }

            for (; _firedOfFirst < timers.Count; _firedOfFirst++)
            {
                if (budget-- == 0)
                {
                    return false; // resumes at this timer of this time
                }

                var (keyGroup, key, start, emit, purge) = timers[_firedOfFirst];
                var windowKey = new WindowKey<TKey>(key, start);
                TAcc? accumulator;
                var found = purge ? _state.TryRemove(keyGroup, windowKey, out accumulator) : _state.TryGet(keyGroup, windowKey, out accumulator);
                if (emit && found)
                {
                    Emit(key, start, accumulator!);
                }
            }

            _timers.Remove(time);
            _firedOfFirst = 0;
        }

        return true;
    }

    private void Emit(TKey key, long start, TAcc accumulator) =>
        Output.Accept(
            new WindowResult<TKey, TOut>(key, DateTimeOffset.FromUnixTimeMilliseconds(start), DateTimeOffset.FromUnixTimeMilliseconds(start + _sizeMs), _function.GetResult(accumulator)),
            start + _sizeMs - 1);

    /// <summary>When the window starting at <paramref name="start"/> is cleaned: its last millisecond + the lateness.</summary>
    private long CleanupTime(long start)
    {
        var last = start + _sizeMs - 1;
        return last > long.MaxValue - _latenessMs ? long.MaxValue : last + _latenessMs;
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

    // The timers derive from the state and the restored watermark (restored first): a window it has passed has fired.
    public void OnSectionsRestored()
    {
        _timers.Clear();
        _firedOfFirst = 0;
        foreach (var (keyGroup, entries) in _state.NonEmptyGroups())
        {
            foreach (var windowKey in entries.Keys)
            {
                AddTimers(keyGroup, windowKey, fired: _latenessMs > 0 && windowKey.Start + _sizeMs - 1 <= Context.CurrentWatermark);
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
            .Concat(open.Select(e => new StateEntryView(TimersTable, e.KeyGroup, ToJson(e.Key.Key), TimerJson(e.Key.Start))));
    }

    // A window's timers for the inspector: when it fires, and (with a lateness) when its state is cleaned.
    private string TimerJson(long start) =>
        _latenessMs == 0 ? ToJson(new { Time = start + _sizeMs - 1 }) : ToJson(new { Time = start + _sizeMs - 1, Cleanup = CleanupTime(start) });

    // A new (key, window): without lateness one timer fires and forgets it at end - 1; with one, a timer fires it at
    // end - 1 (unless it has fired already) and another forgets it at end - 1 + lateness.
    private void AddTimers(int keyGroup, WindowKey<TKey> windowKey, bool fired)
    {
        var last = windowKey.Start + _sizeMs - 1;
        if (_latenessMs == 0)
        {
            AddTimer(last, new WindowTimer(keyGroup, windowKey.Key, windowKey.Start, Emit: true, Purge: true));
            return;
        }

        if (!fired)
        {
            AddTimer(last, new WindowTimer(keyGroup, windowKey.Key, windowKey.Start, Emit: true, Purge: false));
        }

        AddTimer(CleanupTime(windowKey.Start), new WindowTimer(keyGroup, windowKey.Key, windowKey.Start, Emit: false, Purge: true));
    }

    private void AddTimer(long time, WindowTimer timer)
    {
        if (!_timers.TryGetValue(time, out var timers))
        {
            _timers[time] = timers = [];
        }

        timers.Add(timer);
    }

    /// <summary>A window's timer: emit its result, forget its state, or both.</summary>
    private readonly record struct WindowTimer(int KeyGroup, TKey Key, long Start, bool Emit, bool Purge);
}

/// <summary>A key and the start of one of its windows: the key of window state.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="Start">The window's start (Unix milliseconds).</param>
[GenerateSerializer, Immutable]
internal readonly record struct WindowKey<TKey>([property: Id(0)] TKey Key, [property: Id(1)] long Start);
