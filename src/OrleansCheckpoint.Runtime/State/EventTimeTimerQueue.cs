using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.State;

/// <summary>
/// The event-time timers of one keyed operator instance (Flink's timer service): at most one timer per
/// (key, time). The timers themselves are keyed state, a set kept in a <see cref="KeyedStateTable{TKey, TValue}"/>
/// per key group, so a snapshot is the table's copy-on-write snapshot and costs nothing on the processing path.
/// Beside it, an index ordered by time and then by key says which timer is due next; it is derived from the
/// table (rebuilt on restore) and never snapshotted, as the window operator derives its timers from its state.
/// Processing-time timers are the same set of (key, time) in the same order, due by the clock instead of the
/// watermark: a keyed process operator keeps a second queue of this type for them. Knows nothing of grains.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
internal sealed class EventTimeTimerQueue<TKey>
    where TKey : notnull
{
    // A set: the value is unused.
    private readonly KeyedStateTable<EventTimeTimer<TKey>, byte> _timers;
    private readonly SortedSet<(EventTimeTimer<TKey> Timer, int KeyGroup)> _due = new(TimerOrder.Instance);

    public EventTimeTimerQueue(KeyGroupRange keyGroups, bool trackChanges = false) =>
        _timers = new KeyedStateTable<EventTimeTimer<TKey>, byte>(keyGroups, trackChanges: trackChanges);

    /// <summary>The number of pending timers.</summary>
    public int Count => _due.Count;

    /// <summary>Adds the timer of <paramref name="key"/> at <paramref name="time"/>; false if it was already there.</summary>
    public bool Register(int keyGroup, TKey key, long time)
    {
        var timer = new EventTimeTimer<TKey>(key, time);
        if (_timers.TryGet(keyGroup, timer, out _))
        {
            return false;
        }

        _timers.Set(keyGroup, timer, 0);
        _due.Add((timer, keyGroup));
        return true;
    }

    /// <summary>Removes the timer of <paramref name="key"/> at <paramref name="time"/>; false if there was none.</summary>
    public bool Delete(int keyGroup, TKey key, long time)
    {
        var timer = new EventTimeTimer<TKey>(key, time);
        if (!_timers.Remove(keyGroup, timer))
        {
            return false;
        }

        _due.Remove((timer, keyGroup));
        return true;
    }

    /// <summary>
    /// Takes the earliest timer (then the lowest key) if it is due at <paramref name="watermark"/> (its time is at or
    /// before it). It is removed before it fires, so its function may register it again (for a later time).
    /// </summary>
    public bool TryTakeDue(long watermark, out EventTimeTimer<TKey> timer, out int keyGroup)
    {
        (timer, keyGroup) = _due.Count > 0 ? _due.Min : default;
        if (_due.Count == 0 || timer.Time > watermark)
        {
            return false;
        }

        _due.Remove((timer, keyGroup));
        _timers.Remove(keyGroup, timer);
        return true;
    }

    /// <summary>The time of the earliest pending timer; null if there is none.</summary>
    public long? NextTime => _due.Count > 0 ? _due.Min.Timer.Time : null;

    /// <summary>Whether a timer is due at <paramref name="watermark"/>.</summary>
    public bool IsDue(long watermark) => _due.Count > 0 && _due.Min.Timer.Time <= watermark;

    /// <summary>Every pending timer with its key group, in key-group order (for the offline inspector).</summary>
    public IEnumerable<(int KeyGroup, EventTimeTimer<TKey> Timer)> Pending() => _timers.Entries().Select(e => (e.KeyGroup, e.Key));

    /// <summary>How many timers are pending, and in which key groups.</summary>
    public StateTableView Describe(string table) => _timers.Describe(table);

    /// <summary>An immutable view of the pending timers by key group; later changes copy the key groups they touch.</summary>
    public KeyedStateSnapshot<EventTimeTimer<TKey>, byte> Snapshot() => _timers.Snapshot();

    /// <summary>Loads the timers of <paramref name="snapshot"/> in the key groups this instance owns.</summary>
    public void Restore(KeyedStateSnapshot<EventTimeTimer<TKey>, byte> snapshot)
    {
        _timers.Restore(snapshot);
        RebuildDue();
    }

    /// <summary>The timers registered or deleted since the last capture (see <see cref="KeyedStateTable{TKey, TValue}.CaptureChanges"/>).</summary>
    public IStateChanges CaptureChanges(string table) => _timers.CaptureChanges(table);

    /// <summary>Every pending timer, for a full piece.</summary>
    public IStateSection CaptureAll(string table) => _timers.CaptureAll(table);

    /// <summary>Applies a section of a piece; call <see cref="RebuildDue"/> once every section is applied.</summary>
    public void Apply(ReadOnlyMemory<byte> section, StateCodecs codecs) => _timers.Apply(section, codecs);

    /// <summary>Rebuilds the index of due timers from the timer set (after a restore).</summary>
    public void RebuildDue()
    {
        _due.Clear();
        foreach (var (keyGroup, timers) in _timers.NonEmptyGroups())
        {
            foreach (var timer in timers.Keys)
            {
                _due.Add((timer, keyGroup));
            }
        }
    }

    /// <summary>
    /// Timers by time, then by key: strings ordinally, other keys by their own order if they have one, otherwise by
    /// their stable hash and then their text — the same order in every process and culture, so timers due together
    /// fire in the same order after a restore. Keys without an order must differ in their text when they differ in
    /// value, as key hashing already assumes.
    /// </summary>
    private sealed class TimerOrder : IComparer<(EventTimeTimer<TKey> Timer, int KeyGroup)>
    {
        public static readonly TimerOrder Instance = new();

        private static readonly IComparer<TKey> KeyOrder =
            typeof(TKey) == typeof(string) ? (IComparer<TKey>)StringComparer.Ordinal
            : typeof(IComparable<TKey>).IsAssignableFrom(typeof(TKey)) || typeof(IComparable).IsAssignableFrom(typeof(TKey)) ? Comparer<TKey>.Default
            : Comparer<TKey>.Create(static (x, y) =>
            {
                var c = StableKeyHash.Of(x).CompareTo(StableKeyHash.Of(y));
                return c != 0 ? c : string.CompareOrdinal(x!.ToString(), y!.ToString());
            });

        public int Compare((EventTimeTimer<TKey> Timer, int KeyGroup) x, (EventTimeTimer<TKey> Timer, int KeyGroup) y)
        {
            var c = x.Timer.Time.CompareTo(y.Timer.Time);
            return c != 0 ? c : KeyOrder.Compare(x.Timer.Key, y.Timer.Key);
        }
    }
}

/// <summary>An event-time timer: a key and the time it fires at.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <param name="Key">The key whose state the timer's function sees.</param>
/// <param name="Time">When it fires: once the watermark is at or past this (Unix milliseconds).</param>
[GenerateSerializer, Immutable]
internal readonly record struct EventTimeTimer<TKey>([property: Id(0)] TKey Key, [property: Id(1)] long Time);
