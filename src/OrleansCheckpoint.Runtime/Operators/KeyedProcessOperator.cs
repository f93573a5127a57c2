using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.State;
using OrleansCheckpoint.Runtime.Checkpointing;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// Runs a keyed process function, giving it value state and event-time and processing-time timers scoped to each
/// record's key. Timers due at a new watermark fire before the watermark goes downstream, so what they emit is never
/// late; processing-time timers fire when the task's loop finds them due by the context's clock (between batches, or
/// woken for them while idle), and what they emit has no timestamp.
/// </summary>
internal class KeyedProcessOperator<T, TKey, TOut>(
    Transformation transformation, KeySelector<T, TKey> key, KeyedProcessFunction<TKey, T, TOut> function, IReadOnlyList<IValueStateInvariant> invariants)
    : KeyedOperator<T, TKey, TOut>(transformation, key), IKeyedContext<TKey>, ICollector<TOut>, IKeyedStateViews, IIncrementalStateOperator, ILateRecordContext, ITimestampedCollector<TOut>
    where TKey : notnull
{
    private const string TimersTable = "timers";
    private const string ProcessingTimersTable = "processing-timers";
    private const string ValuePrefix = "value:";
    private readonly KeyedProcessFunction<TKey, T, TOut> _function = function;
    private readonly string _uid = transformation.Uid;
    private readonly Dictionary<string, IValueStateTable> _states = [];
    private Dictionary<string, object> _restored = [];

    // Sections of value states restored from pieces that the function has not asked for yet (their value type is
    // known only then), by state name, oldest first; a full piece writes them as they are.
    private readonly Dictionary<string, List<(ReadOnlyMemory<byte> Entries, int Count)>> _restoredSections = [];
    private StateCodecs? _restoredCodecs;
    private readonly Dictionary<string, StateTableType> _savedTypes = []; // from a savepoint: value states' types, by table
    private EventTimeTimerQueue<TKey> _timers = null!;
    private EventTimeTimerQueue<TKey> _processingTimers = null!; // the same (key, time) set, due by the clock
    private int _currentKeyGroup;

    public KeyedProcessOperator(KeyedProcessTransformation<T, TKey, TOut> process)
        : this(process, process.Key, process.CreateFunction(), process.StateInvariants)
    {
    }

    public TKey CurrentKey { get; private set; } = default!;

    protected KeyedProcessFunction<TKey, T, TOut> Function => _function;

    public long Timestamp { get; private set; }

    public long CurrentWatermark => Context.CurrentWatermark;

    public long CurrentProcessingTime => Context.ProcessingTime;

    public TimeDomain? TimeDomain { get; private set; }

    public override long? NextProcessingTimer => _processingTimers.NextTime;

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        _timers = new EventTimeTimerQueue<TKey>(context.KeyGroups, context.TrackStateChanges);
        _processingTimers = new EventTimeTimerQueue<TKey>(context.KeyGroups, context.TrackStateChanges);
    }

    public override void Accept(T value, long timestamp)
    {
        (CurrentKey, _currentKeyGroup) = KeyOf(value);
        (Timestamp, TimeDomain) = (timestamp, null);
        _function.ProcessElement(value, this, this);
    }

    public override bool OnWatermark(long watermark, int budget)
    {
        for (; budget > 0; budget--)
        {
            if (!_timers.TryTakeDue(watermark, out var timer, out var keyGroup))
            {
                return true;
            }

            (CurrentKey, _currentKeyGroup, Timestamp, TimeDomain) = (timer.Key, keyGroup, timer.Time, Dataflow.TimeDomain.EventTime);
            _function.OnTimer(timer.Time, this, this);
        }

        return !_timers.IsDue(watermark);
    }

    // As Flink's: in time, then key order; what a timer emits has no timestamp (it is not of any record's event time).
    public override bool OnProcessingTime(long now, int budget)
    {
        for (; budget > 0; budget--)
        {
            if (!_processingTimers.TryTakeDue(now, out var timer, out var keyGroup))
            {
                return true;
            }

            (CurrentKey, _currentKeyGroup, Timestamp, TimeDomain) = (timer.Key, keyGroup, long.MinValue, Dataflow.TimeDomain.ProcessingTime);
            _function.OnTimer(timer.Time, this, this);
        }

        return !_processingTimers.IsDue(now);
    }

    public void Collect(TOut value) => Output.Accept(value, Timestamp);

    /// <summary>Emits <paramref name="value"/> with <paramref name="timestamp"/> rather than the current record's or timer's.</summary>
    public void Collect(TOut value, long timestamp) => Output.Accept(value, timestamp);

    public bool IsLate(long timestamp) => timestamp <= Context.CurrentInputWatermark;

    public void DropLate() => Context.Counters.LateRecordsDropped++;

    public void RegisterEventTimeTimer(long time) => _timers.Register(_currentKeyGroup, CurrentKey, time);

    public void DeleteEventTimeTimer(long time) => _timers.Delete(_currentKeyGroup, CurrentKey, time);

    public void RegisterProcessingTimeTimer(long time) => _processingTimers.Register(_currentKeyGroup, CurrentKey, time);

    public void DeleteProcessingTimeTimer(long time) => _processingTimers.Delete(_currentKeyGroup, CurrentKey, time);

    public IValueState<TValue> GetValueState<TValue>(string name)
    {
        if (!_states.TryGetValue(name, out var state))
        {
            if (_savedTypes.Remove(ValuePrefix + name, out var saved))
            {
                StateTypes.Check(saved, ValuePrefix + name, typeof(TKey), typeof(TValue));
            }

            var table = new KeyedStateTable<TKey, TValue>(Context.KeyGroups, Context.Copiers?.For<TValue>(), Context.TrackStateChanges);
            if (_restored.Remove(name, out var snapshot))
            {
                table.Restore((KeyedStateSnapshot<TKey, TValue>)snapshot);
            }

            if (_restoredSections.Remove(name, out var sections))
            {
                foreach (var (entries, _) in sections)
                {
                    table.Apply(entries, _restoredCodecs!);
                }
            }

            state = new ValueState<TValue>(this, table);
            _states.Add(name, state);
        }

        return state as IValueState<TValue>
            ?? throw new InvalidOperationException($"Value state '{name}' of operator '{_uid}' holds {state.GetType().GenericTypeArguments[^1].Name}, not {typeof(TValue).Name}.");
    }

    // Every state by name (states restored but not yet asked for by the function are kept as they were), and the timers.
    public override object SnapshotState(long checkpointId) => new KeyedProcessSnapshot<TKey>(
        _states.ToDictionary(s => s.Key, s => s.Value.Snapshot()).Concat(_restored).ToDictionary(s => s.Key, s => s.Value),
        _timers.Snapshot(),
        _processingTimers.Snapshot());

    // Each rule captures its state's copy-on-write view now; a state not yet asked for is made (restored) as the function would.
    public override Func<string?>? PrepareConsistencyCheck(long checkpointId)
    {
        if (invariants is not { Count: > 0 })
        {
            return null;
        }

        var checks = invariants.Select(Prepare).ToList();
        return () => checks.Select(check => check()).FirstOrDefault(v => v is not null) is { } violation ? $"operator '{_uid}': {violation}" : null;
    }

    private Func<string?> Prepare(IValueStateInvariant invariant)
    {
        try
        {
            return invariant.Prepare(this);
        }
        catch (InvalidOperationException e)
        {
            return () => e.Message; // a rule typed otherwise than its state: every checkpoint is declined, naming both types
        }
    }

    IEnumerable<KeyValuePair<TViewKey, TValue>> IKeyedStateViews.ValueState<TViewKey, TValue>(string name)
    {
        GetValueState<TValue>(name);
        var view = ((ValueState<TValue>)_states[name]).Table.Snapshot();
        return view.Groups.Values.SelectMany(g => g) as IEnumerable<KeyValuePair<TViewKey, TValue>>
            ?? throw new InvalidOperationException($"Value state '{name}' of operator '{_uid}' is keyed by {typeof(TKey).Name}, not {typeof(TViewKey).Name}.");
    }

    public override void RestoreState(object state)
    {
        var snapshot = (KeyedProcessSnapshot<TKey>)state;
        _restored = new Dictionary<string, object>(snapshot.States);
        _timers.Restore(snapshot.Timers);
        if (snapshot.ProcessingTimers is { } processingTimers) // null in a snapshot taken before processing-time timers
        {
            _processingTimers.Restore(processingTimers);
        }
    }

    public void CaptureChanges(List<IStateChanges> into)
    {
        foreach (var (name, state) in _states)
        {
            into.Add(state.CaptureChanges(ValuePrefix + name));
        }

        into.Add(_timers.CaptureChanges(TimersTable));
        into.Add(_processingTimers.CaptureChanges(ProcessingTimersTable));
    }

    public void CaptureAll(List<IStateSection> into)
    {
        foreach (var (name, state) in _states)
        {
            into.Add(state.CaptureAll(ValuePrefix + name));
        }

        // States restored but not asked for: as restored (a snapshot of the old format, or the sections of the pieces).
        foreach (var (name, snapshot) in _restored)
        {
            into.Add((IStateSection)Activator.CreateInstance(
                typeof(TableContents<,>).MakeGenericType(snapshot.GetType().GenericTypeArguments), ValuePrefix + name, snapshot)!);
        }

        foreach (var (name, sections) in _restoredSections)
        {
            into.AddRange(sections.Select(s => new RawStateSection(ValuePrefix + name, s.Count, s.Entries)));
        }

        into.Add(_timers.CaptureAll(TimersTable));
        into.Add(_processingTimers.CaptureAll(ProcessingTimersTable));
    }

    public void RestoreSection(string table, int count, ReadOnlyMemory<byte> entries, StateCodecs codecs)
    {
        if (table == TimersTable)
        {
            _timers.Apply(entries, codecs);
        }
        else if (table == ProcessingTimersTable)
        {
            _processingTimers.Apply(entries, codecs);
        }
        else if (table.StartsWith(ValuePrefix, StringComparison.Ordinal))
        {
            var name = table[ValuePrefix.Length..];
            _restoredCodecs = codecs;
            if (!_restoredSections.TryGetValue(name, out var sections))
            {
                _restoredSections[name] = sections = [];
            }

            sections.Add((entries, count));
        }
        else
        {
            throw new InvalidOperationException($"Operator '{_uid}' has no state table '{table}'.");
        }
    }

    public void OnSectionsRestored()
    {
        _timers.RebuildDue();
        _processingTimers.RebuildDue();
    }

    // Value states are typed when the function first asks for them: their saved types are checked then.
    public void CheckTypes(StateTableType saved)
    {
        if (saved.Table is TimersTable or ProcessingTimersTable)
        {
            StateTypes.Check(saved, saved.Table, typeof(EventTimeTimer<TKey>), typeof(byte));
        }
        else if (saved.Table.StartsWith(ValuePrefix, StringComparison.Ordinal))
        {
            _savedTypes[saved.Table] = saved;
        }
    }

    public IEnumerable<StateTableView> DescribeTables()
    {
        MakeRestoredStates();
        return _states.Select(s => s.Value.Describe(ValuePrefix + s.Key))
            .Concat(_restoredSections.Keys.Select(UndecodedTable))
            .Append(_timers.Describe(TimersTable))
            .Append(_processingTimers.Describe(ProcessingTimersTable));
    }

    // Value states restored from pieces that the function never asked for stay encoded: their value type is known only
    // when it asks (GetValueState<TValue>), and the entries' layout depends on it, so not even their keys can be read.
    public IEnumerable<StateEntryView> Entries(string? key)
    {
        MakeRestoredStates();
        var accepts = KeyFilter(key);
        return _states.SelectMany(s => s.Value.Entries(ValuePrefix + s.Key, accepts))
            .Concat(_restoredSections.Keys.Select(UndecodedNote))
            .Concat(TimerEntries(TimersTable, _timers, accepts))
            .Concat(TimerEntries(ProcessingTimersTable, _processingTimers, accepts));
    }

    private static IEnumerable<StateEntryView> TimerEntries(string table, EventTimeTimerQueue<TKey> timers, Func<TKey, bool> accepts) =>
        timers.Pending().Where(t => accepts(t.Timer.Key))
            .Select(t => new StateEntryView(table, t.KeyGroup, ToJson(t.Timer.Key), ToJson(new { t.Timer.Time })));

    private StateTableView UndecodedTable(string name)
    {
        var (entries, bytes) = Undecoded(name);
        return new StateTableView(ValuePrefix + name, entries, 0, null, null, bytes);
    }

    private StateEntryView UndecodedNote(string name)
    {
        var (entries, bytes) = Undecoded(name);
        return new StateEntryView(
            ValuePrefix + name,
            -1,
            null,
            null,
            Note: $"{entries} entries ({bytes} bytes) not decoded: the value type of state '{name}' is known only once the job's function "
                + "asks for it (a snapshot without incremental checkpoints, or a consistency function over the state, gives it)");
    }

    private (long Entries, long Bytes) Undecoded(string name) =>
        (_restoredSections[name].Sum(s => (long)s.Count), _restoredSections[name].Sum(s => (long)s.Entries.Length));

    // States of a whole snapshot carry their value type, and a consistency function over a value state names its type:
    // such states are made as the function would make them, so they read like the rest.
    private void MakeRestoredStates()
    {
        foreach (var (name, snapshot) in _restored.ToList())
        {
            typeof(KeyedProcessOperator<T, TKey, TOut>).GetMethod(nameof(GetValueState))!
                .MakeGenericMethod(snapshot.GetType().GenericTypeArguments[1]).Invoke(this, [name]);
        }

        foreach (var invariant in invariants.Where(i => _restoredSections.ContainsKey(i.StateName)))
        {
            _ = Prepare(invariant); // a rule typed otherwise than its state leaves the state undecoded
        }
    }

    private interface IValueStateTable
    {
        object Snapshot();

        IStateChanges CaptureChanges(string table);

        IStateSection CaptureAll(string table);

        StateTableView Describe(string table);

        IEnumerable<StateEntryView> Entries(string table, Func<TKey, bool> accepts);
    }

    private sealed class ValueState<TValue>(KeyedProcessOperator<T, TKey, TOut> owner, KeyedStateTable<TKey, TValue> table) : IValueState<TValue>, IValueStateTable
    {
        public KeyedStateTable<TKey, TValue> Table => table;

        public object Snapshot() => table.Snapshot();

        public IStateChanges CaptureChanges(string name) => table.CaptureChanges(name);

        public IStateSection CaptureAll(string name) => table.CaptureAll(name);

        public StateTableView Describe(string name) => table.Describe(name);

        public IEnumerable<StateEntryView> Entries(string name, Func<TKey, bool> accepts) =>
            table.Entries().Where(e => accepts(e.Key)).Select(e => new StateEntryView(name, e.KeyGroup, ToJson(e.Key), ToJson(e.Value)));

        public bool HasValue => table.TryGet(owner._currentKeyGroup, owner.CurrentKey, out _);

        // A mutable value is read from a writable group: the user may change it in place (the snapshot keeps its own).
        public TValue? Value => (table.CopiesValues
            ? table.TryGetToModify(owner._currentKeyGroup, owner.CurrentKey, out var value)
            : table.TryGet(owner._currentKeyGroup, owner.CurrentKey, out value)) ? value : default;

        public void Update(TValue value) => table.Set(owner._currentKeyGroup, owner.CurrentKey, value);

        public void Clear() => table.Remove(owner._currentKeyGroup, owner.CurrentKey);
    }
}

/// <summary>The snapshot of a keyed process operator: its value states by name, and its pending timers.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="States">Each value state's <see cref="KeyedStateSnapshot{TKey, TValue}"/>, by the state's name.</param>
/// <param name="Timers">The pending event-time timers by key group.</param>
/// <param name="ProcessingTimers">The pending processing-time timers by key group; null in snapshots taken before they existed.</param>
[GenerateSerializer, Immutable]
internal sealed record KeyedProcessSnapshot<TKey>(
    [property: Id(0)] Dictionary<string, object> States,
    [property: Id(1)] KeyedStateSnapshot<EventTimeTimer<TKey>, byte> Timers,
    [property: Id(2)] KeyedStateSnapshot<EventTimeTimer<TKey>, byte>? ProcessingTimers = null)
    where TKey : notnull;
