using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// Aggregates each key's records per event-time session (Flink's merging window operator with session windows): a
/// record at <c>t</c> makes the session <c>[t, t + gap)</c>, which merges with every open session of its key that it
/// overlaps or touches (their accumulators merged, in order of start). If the merged session has already ended by the
/// record's channel watermark (end − 1 ≤ watermark), the record is late, nothing merged — as Flink
/// drops a record whose merged window is late: it goes to the late-data side output if the job reads one, else it is
/// counted and dropped. A session fires when the instance's watermark reaches its end − 1.
/// Keyed state: the open sessions of each key. The timers (session end → keys) derive from it.
/// </summary>
internal sealed class SessionWindowAggregateOperator<T, TKey, TAcc, TOut>(SessionWindowAggregateTransformation<T, TKey, TAcc, TOut> sessions)
    : KeyedOperator<T, TKey, WindowResult<TKey, TOut>>(sessions), IIncrementalStateOperator
    where TKey : notnull
{
    private const string Table = "sessions";
    private const string TimersTable = "timers";

    private readonly IMergeableAggregateFunction<T, TAcc, TOut> _function = sessions.Aggregate;
    private readonly long _gapMs = sessions.Sessions.GapMs;
    private readonly LateDataOutput<T> _late = new(sessions.LateDataOutput);
    private readonly SortedDictionary<long, HashSet<(int KeyGroup, TKey Key)>> _timers = [];
    private KeyedStateTable<TKey, OpenSessions<TAcc>> _state = null!;
    private List<(int KeyGroup, TKey Key)>? _firing; // the keys of the earliest end, while firing it is interrupted
    private int _fired;

    public override void Open(OperatorContext context)
    {
        base.Open(context);
        _state = new KeyedStateTable<TKey, OpenSessions<TAcc>>(context.KeyGroups, context.Copiers?.For<OpenSessions<TAcc>>(), context.TrackStateChanges);
    }

    public override void Accept(T value, long timestamp)
    {
        if (timestamp == long.MinValue)
        {
            throw new InvalidOperationException($"Session window operator '{sessions.Uid}' received a record without an event timestamp; give the source a WatermarkStrategy.");
        }

        var (key, keyGroup) = KeyOf(value);
        var open = _state.TryGet(keyGroup, key, out var current) ? current.Sessions : [];
        long start = timestamp, end = timestamp + _gapMs;
        var merged = new List<OpenSession<TAcc>>();
        var kept = new List<OpenSession<TAcc>>(open.Length + 1);
        foreach (var session in open) // in order of start; open sessions never overlap, so one pass finds all it joins
        {
            if (session.Start <= end && session.End >= start)
            {
                merged.Add(session);
                (start, end) = (Math.Min(start, session.Start), Math.Max(end, session.End));
            }
            else
            {
                kept.Add(session);
            }
        }

        if (end - 1 <= Context.CurrentInputWatermark)
        {
            _late.Late(value, timestamp, Context.Counters);
            return;
        }

        // The record's own session and those it joins, merged in order of start (a session before the record at a tie).
        merged.Add(new OpenSession<TAcc>(timestamp, timestamp + _gapMs, _function.Add(value, _function.CreateAccumulator())));
        var accumulator = default(TAcc)!;
        var first = true;
        foreach (var session in merged.Select((s, i) => (Session: s, Order: i == merged.Count - 1 ? 1 : 0)).OrderBy(p => p.Session.Start).ThenBy(p => p.Order).Select(p => p.Session))
        {
            accumulator = first ? session.Accumulator : _function.Merge(accumulator, session.Accumulator);
            first = false;
            if (session.End != end)
            {
                RemoveTimer(session.End, keyGroup, key);
            }
        }

        kept.Add(new OpenSession<TAcc>(start, end, accumulator));
        _state.Set(keyGroup, key, new OpenSessions<TAcc>([.. kept.OrderBy(s => s.Start)]));
        AddTimer(end, keyGroup, key);
    }

    public override IChannelWriter CreateWriter(ChannelWriterSpec spec) => _late.TryCreateWriter(spec) ?? base.CreateWriter(spec);

    public override void ConnectOutput(StreamOperator? next, IReadOnlyList<IChannelWriter> writers) =>
        base.ConnectOutput(next, _late.Connect(writers)); // the side output's writers take the late records

    public override bool OnWatermark(long watermark, int budget)
    {
        while (_timers.Count > 0)
        {
            var (end, keys) = _timers.First();
            if (end - 1 > watermark)
            {
                return true;
            }

            _firing ??= [.. keys];
            for (; _fired < _firing.Count; _fired++)
            {
                if (budget-- == 0)
                {
                    return false; // resumes at this key of this end
                }

                var (keyGroup, key) = _firing[_fired];
                Fire(keyGroup, key, end);
            }

            _timers.Remove(end);
            (_firing, _fired) = (null, 0);
        }

        return true;
    }

    /// <summary>Emits <paramref name="key"/>'s session that ends at <paramref name="end"/> and forgets it.</summary>
    private void Fire(int keyGroup, TKey key, long end)
    {
        if (!_state.TryGet(keyGroup, key, out var open))
        {
            return;
        }

        var left = new List<OpenSession<TAcc>>(open.Sessions.Length);
        foreach (var session in open.Sessions)
        {
            if (session.End == end)
            {
                Output.Accept(
                    new WindowResult<TKey, TOut>(key, DateTimeOffset.FromUnixTimeMilliseconds(session.Start), DateTimeOffset.FromUnixTimeMilliseconds(end), _function.GetResult(session.Accumulator)),
                    end - 1);
            }
            else
            {
                left.Add(session);
            }
        }

        if (left.Count == 0)
        {
            _state.Remove(keyGroup, key);
        }
        else
        {
            _state.Set(keyGroup, key, new OpenSessions<TAcc>([.. left]));
        }
    }

    public override object SnapshotState(long checkpointId) => _state.Snapshot();

    public override void RestoreState(object state)
    {
        _state.Restore((KeyedStateSnapshot<TKey, OpenSessions<TAcc>>)state);
        OnSectionsRestored();
    }

    public void CaptureChanges(List<IStateChanges> into) => into.Add(_state.CaptureChanges(Table));

    public void CaptureAll(List<IStateSection> into) => into.Add(_state.CaptureAll(Table));

    public void RestoreSection(string table, int count, ReadOnlyMemory<byte> entries, StateCodecs codecs) =>
        (table == Table ? _state : throw new InvalidOperationException($"Operator '{sessions.Uid}' has no state table '{table}'.")).Apply(entries, codecs);

    public void CheckTypes(StateTableType saved) => StateTypes.Check(saved, Table, typeof(TKey), typeof(OpenSessions<TAcc>));

    // The timers derive from the state: one per open session.
    public void OnSectionsRestored()
    {
        _timers.Clear();
        (_firing, _fired) = (null, 0);
        foreach (var (keyGroup, entries) in _state.NonEmptyGroups())
        {
            foreach (var (key, open) in entries)
            {
                foreach (var session in open.Sessions)
                {
                    AddTimer(session.End, keyGroup, key);
                }
            }
        }
    }

    public IEnumerable<StateTableView> DescribeTables()
    {
        var open = _state.Describe(Table);
        return [open, open with { Table = TimersTable }];
    }

    // Each open session (and the result it gives so far), then the timer that will fire it.
    public IEnumerable<StateEntryView> Entries(string? key)
    {
        var accepts = KeyFilter(key);
        var open = _state.Entries().Where(e => accepts(e.Key)).SelectMany(e => e.Value.Sessions.Select(s => (e.KeyGroup, e.Key, Session: s)));
        return open.Select(e => new StateEntryView(
                Table, e.KeyGroup, ToJson(e.Key), ToJson(new { e.Session.Start, e.Session.End, e.Session.Accumulator }), ToJson(_function.GetResult(e.Session.Accumulator))))
            .Concat(open.Select(e => new StateEntryView(TimersTable, e.KeyGroup, ToJson(e.Key), ToJson(new { Time = e.Session.End - 1 }))));
    }

    private void AddTimer(long end, int keyGroup, TKey key)
    {
        if (!_timers.TryGetValue(end, out var keys))
        {
            _timers[end] = keys = [];
        }

        keys.Add((keyGroup, key));
    }

    private void RemoveTimer(long end, int keyGroup, TKey key)
    {
        if (_timers.TryGetValue(end, out var keys) && keys.Remove((keyGroup, key)) && keys.Count == 0)
        {
            _timers.Remove(end);
        }
    }
}

/// <summary>A key's open sessions, in order of start (immutable: a change replaces the whole value).</summary>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <param name="Sessions">The sessions.</param>
[GenerateSerializer, Immutable]
internal sealed record OpenSessions<TAcc>([property: Id(0)] OpenSession<TAcc>[] Sessions);

/// <summary>One open session: from its first record to one gap after its last (exclusive), and its accumulator.</summary>
/// <typeparam name="TAcc">The accumulator type.</typeparam>
/// <param name="Start">The first record's timestamp (Unix milliseconds).</param>
/// <param name="End">The last record's timestamp + the gap.</param>
/// <param name="Accumulator">The aggregate of its records.</param>
[GenerateSerializer, Immutable]
internal readonly record struct OpenSession<TAcc>([property: Id(0)] long Start, [property: Id(1)] long End, [property: Id(2)] TAcc Accumulator);
