using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>Processing-time timers of keyed process functions, on a keyed process operator driven by hand with a fake clock.</summary>
public sealed class ProcessingTimeTimerTests
{
    /// <summary>The fake clock's start (Unix milliseconds); timers are given as offsets from it.</summary>
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public void Timers_fire_once_the_clock_reaches_them_in_time_order_then_key_order_without_a_timestamp()
    {
        var op = new ClockHarness();
        op.Process(("b", "register", 200), ("a", "register", 200), ("c", "register", 300), ("a", "register", 100));

        op.AdvanceClock(99);
        Assert.Empty(op.Output);
        Assert.Equal(T0 + 100, op.NextTimer);
        op.AdvanceClock(101); // at +200
        op.AdvanceClock(1_000);

        Assert.Equal(
            ["a@100 processing seen=2", "a@200 processing seen=0", "b@200 processing seen=1", "c@300 processing seen=1"],
            op.Output.Select(o => o.Value));
        Assert.All(op.Output, o => Assert.Equal(long.MinValue, o.Timestamp));
        Assert.Equal([T0 + 200, T0 + 200, T0 + 200, T0 + 1_200], op.FiredAt);
        Assert.Null(op.NextTimer);
    }

    [Fact]
    public void A_key_has_one_processing_time_timer_per_time_and_a_deleted_one_does_not_fire()
    {
        var op = new ClockHarness();
        op.Process(
            ("a", "register", 100), ("a", "register", 100), ("b", "register", 100),
            ("a", "register", 150), ("b", "delete", 100), ("c", "delete", 100));

        op.AdvanceClock(1_000);

        Assert.Equal(["a@100", "a@150"], op.Output.Select(o => o.Value.Split(' ')[0]));
    }

    [Fact]
    public void Event_time_and_processing_time_timers_are_apart_and_the_function_is_told_which_fired()
    {
        var op = new ClockHarness();
        op.Process(("a", "event", 100), ("a", "register", 100));

        op.AdvanceWatermark(T0 + 100);
        Assert.Equal([("a@100 event seen=2", T0 + 100)], op.Output);
        op.AdvanceClock(100);

        Assert.Equal(("a@100 processing seen=0", long.MinValue), op.Output[1]);
        Assert.Equal(2, op.Output.Count);
    }

    [Fact]
    public void A_timer_registered_while_timers_fire_fires_in_the_same_round_if_it_is_due_and_due_ones_fire_in_slices()
    {
        var op = new ClockHarness();
        op.Process(("a", "chain", 100), ("b", "register", 110), ("c", "register", 120));

        op.AdvanceClock(160); // a chains a timer 25 ms after each that fires: 125, 150 are due, 175 is not

        Assert.Equal(["a@100", "b@110", "c@120", "a@125", "a@150"], op.Output.Select(o => o.Value.Split(' ')[0]));
        Assert.True(op.Slices > 2); // 5 timers in slices of 2
        Assert.Equal(T0 + 175, op.NextTimer);
    }

    [Fact]
    public void Pending_timers_are_restored_from_a_whole_snapshot_and_those_due_during_the_outage_fire_at_once_and_once()
    {
        var op = new ClockHarness();
        op.Process(("a", "register", 100), ("b", "register", 200), ("c", "register", 5_000), ("d", "register", 50));
        op.AdvanceClock(60); // d fires before the snapshot: it is not in it
        var snapshot = op.Snapshot();
        op.Process(("e", "register", 150), ("b", "delete", 200)); // after the snapshot: not in it
        op.AdvanceClock(10_000);

        var restored = new ClockHarness(At(1_000), whole: snapshot); // down for a second
        Assert.Equal(T0 + 100, restored.NextTimer);
        restored.AdvanceClock(0);
        Assert.Equal(["a@100 processing seen=1", "b@200 processing seen=1"], restored.Output.Select(o => o.Value));
        restored.AdvanceClock(4_000);
        restored.AdvanceClock(10_000);

        Assert.Equal(["a@100", "b@200", "c@5000"], restored.Output.Select(o => o.Value.Split(' ')[0]));
        Assert.Equal(["d@50", "a@100", "e@150", "c@5000"], op.Output.Select(o => o.Value.Split(' ')[0]));
    }

    [Fact]
    public void A_whole_snapshot_taken_before_processing_time_timers_existed_restores_with_none_and_its_event_time_timers()
    {
        var op = new ClockHarness();
        op.Process(("a", "event", 100), ("b", "register", 100));
        var current = (KeyedProcessSnapshot<string>)op.Snapshot();
        var before = new KeyedProcessSnapshot<string>(current.States, current.Timers); // the shape of an older snapshot

        var restored = new ClockHarness(whole: before);
        restored.AdvanceClock(1_000);
        restored.AdvanceWatermark(long.MaxValue);

        Assert.Equal(["a@100 event seen=1"], restored.Output.Select(o => o.Value));
        Assert.Null(restored.NextTimer);
    }

    [Fact]
    public void Timers_are_restored_from_a_full_piece_and_the_deltas_after_it_fired_and_deleted_ones_stay_gone()
    {
        var op = new ClockHarness(incremental: true);
        op.Process(("a", "register", 100), ("b", "register", 200), ("c", "register", 300));
        var full = op.FullPiece();
        op.Process(("b", "delete", 200), ("d", "register", 400));
        op.AdvanceClock(150); // a fires
        var delta = op.DeltaPiece();
        op.Process(("e", "register", 500));
        var second = op.DeltaPiece();

        var restored = new ClockHarness(At(450), pieces: [full, delta, second], incremental: true);
        restored.AdvanceClock(0); // c and d came due during the outage
        Assert.Equal(["c@300", "d@400"], restored.Output.Select(o => o.Value.Split(' ')[0]));
        restored.AdvanceClock(1_000);

        Assert.Equal(["c@300", "d@400", "e@500"], restored.Output.Select(o => o.Value.Split(' ')[0]));
        Assert.Null(restored.NextTimer);
    }

    [Fact]
    public void Pieces_without_a_processing_time_timers_section_restore_with_none()
    {
        var op = new ClockHarness(incremental: true);
        op.Process(("a", "register", 100), ("a", "event", 100));
        var full = op.FullPiece(without: "processing-timers"); // as an operator before processing-time timers wrote it

        var restored = new ClockHarness(pieces: [full], incremental: true);
        restored.AdvanceClock(1_000);
        restored.AdvanceWatermark(long.MaxValue);

        Assert.Equal(["a@100 event seen=2"], restored.Output.Select(o => o.Value));
    }

    [Fact]
    public void The_inspector_shows_pending_processing_time_timers_beside_the_event_time_ones()
    {
        var op = new ClockHarness();
        op.Process(("a", "register", 100), ("a", "register", 200), ("b", "register", 100), ("a", "event", 300));
        var inspected = (IIncrementalStateOperator)op.Operator;

        var a = inspected.Entries("a").ToList();

        Assert.Equal(
            [$$"""{"time":{{T0 + 100}}}""", $$"""{"time":{{T0 + 200}}}"""],
            a.Where(e => e.Table == "processing-timers").Select(e => e.ValueJson!).Order(StringComparer.Ordinal));
        Assert.Equal([$$"""{"time":{{T0 + 300}}}"""], a.Where(e => e.Table == "timers").Select(e => e.ValueJson!));
        Assert.All(a, e => Assert.Equal("\"a\"", e.KeyJson));
        Assert.Equal(3, inspected.Entries(null).Count(e => e.Table == "processing-timers"));
        var tables = inspected.DescribeTables().ToDictionary(t => t.Table, t => t.Entries);
        Assert.Equal((1L, 3L), (tables["timers"], tables["processing-timers"]));
    }

    /// <summary>A fake clock reading <see cref="T0"/> + <paramref name="offset"/>.</summary>
    private static FakeTimeProvider At(long offset) => new(DateTimeOffset.FromUnixTimeMilliseconds(T0 + offset));

    /// <summary>
    /// A keyed process operator (keys are strings) running <see cref="ClockFunction"/> on a fake clock, its output captured.
    /// Commands, with a time as an offset from <see cref="T0"/>: "register" (counts the key's records, registers a
    /// processing-time timer), "delete" (deletes one), "event" (registers an event-time timer), "chain" (a processing-time
    /// timer that registers the next one 25 ms later when it fires).
    /// </summary>
    private sealed class ClockHarness
    {
        private static readonly Serializer Serializer =
            new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        private static readonly StateCodecs Codecs = new(Serializer);

        private readonly KeyedProcessOperator<(string Key, string Command, long Time), string, string> _operator;
        private readonly OperatorContext _context;
        private readonly CollectingWriter<string> _output = new();
        private readonly FakeTimeProvider _clock;

        /// <summary>A new operator on <paramref name="clock"/>, restored from a whole snapshot (serialized and read back) or from pieces.</summary>
        public ClockHarness(FakeTimeProvider? clock = null, object? whole = null, IEnumerable<byte[]>? pieces = null, bool incremental = false)
        {
            _clock = clock ?? At(0);
            var stream = new JobBuilder("clock").Source<(string Key, string Command, long Time)>("commands", _ => default)
                .KeyBy(c => c.Key)
                .Process("timers", () => new ClockFunction());
            _operator = (KeyedProcessOperator<(string, string, long), string, string>)stream.Transformation.Accept(OperatorFactory.Instance);
            _context = new OperatorContext(new TaskId("clock", "timers", 0), 128, new KeyGroupRange(0, 127), null!, null!, null!, checkpointing: true)
            {
                Time = _clock,
                TrackStateChanges = incremental,
            };
            _operator.Open(_context);
            _operator.ConnectOutput(null, [_output]);
            if (whole is not null)
            {
                _operator.RestoreState(Serializer.Deserialize<object>(Serializer.SerializeToArray(whole))!);
            }

            if (pieces is not null)
            {
                foreach (var section in pieces.SelectMany(p => StatePieceCodec.Decode(p)))
                {
                    _operator.RestoreSection(section.Table, section.Count, section.Entries, Codecs);
                }

                _operator.OnSectionsRestored();
            }
        }

        public KeyedProcessOperator<(string Key, string Command, long Time), string, string> Operator => _operator;

        public List<(string Value, long Timestamp)> Output => _output.Records;

        /// <summary>The clock's reading when each processing-time timer fired.</summary>
        public List<long> FiredAt { get; } = [];

        /// <summary>How many calls firing took (each fires at most 2).</summary>
        public int Slices { get; private set; }

        public long? NextTimer => _operator.NextProcessingTimer;

        public void Process(params (string Key, string Command, long Time)[] commands)
        {
            foreach (var (key, command, time) in commands)
            {
                _operator.Accept((key, command, T0 + time), long.MinValue);
            }
        }

        /// <summary>Moves the clock on by <paramref name="ms"/> and fires what is due then, in slices, as the task does.</summary>
        public void AdvanceClock(long ms)
        {
            _clock.Advance(TimeSpan.FromMilliseconds(ms));
            var now = _context.ProcessingTime;
            var fired = Output.Count;
            for (Slices = 1; !_operator.OnProcessingTime(now, budget: 2); Slices++)
            {
            }

            FiredAt.AddRange(Enumerable.Repeat(now, Output.Count - fired));
        }

        public void AdvanceWatermark(long watermark)
        {
            _context.CurrentWatermark = watermark;
            while (!_operator.OnWatermark(watermark, budget: 2))
            {
            }
        }

        public object Snapshot() => _operator.SnapshotState(1);

        /// <summary>A full piece, as a checkpoint that consolidates writes it (all sections but <paramref name="without"/>'s).</summary>
        public byte[] FullPiece(string? without = null)
        {
            var sections = new List<IStateSection>();
            _operator.CaptureAll(sections);
            _operator.CaptureChanges([]); // a full piece also starts the next delta
            return StatePieceCodec.Encode([.. sections.Where(s => s.Table != without).Select(s => ("timers", s))], Codecs);
        }

        /// <summary>The changes since the last piece.</summary>
        public byte[] DeltaPiece()
        {
            var changes = new List<IStateChanges>();
            _operator.CaptureChanges(changes);
            return StatePieceCodec.Encode([.. changes.Select(s => ("timers", (IStateSection)s))], Codecs);
        }
    }

    private sealed class ClockFunction : KeyedProcessFunction<string, (string Key, string Command, long Time), string>
    {
        public override void ProcessElement((string Key, string Command, long Time) value, IKeyedContext<string> context, ICollector<string> output)
        {
            Assert.Null(context.TimeDomain);
            var seen = context.GetValueState<int>("seen");
            switch (value.Command)
            {
                case "register":
                    seen.Update(seen.Value + 1);
                    context.RegisterProcessingTimeTimer(value.Time);
                    break;
                case "delete":
                    context.DeleteProcessingTimeTimer(value.Time);
                    break;
                case "event":
                    seen.Update(seen.Value + 1);
                    context.RegisterEventTimeTimer(value.Time);
                    break;
                case "chain":
                    context.GetValueState<bool>("chained").Update(true);
                    context.RegisterProcessingTimeTimer(value.Time);
                    break;
            }
        }

        public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<string> output)
        {
            var processing = context.TimeDomain == TimeDomain.ProcessingTime;
            Assert.NotNull(context.TimeDomain);
            Assert.Equal(processing ? long.MinValue : timestamp, context.Timestamp);
            if (processing)
            {
                Assert.InRange(context.CurrentProcessingTime, timestamp, long.MaxValue);
            }

            var seen = context.GetValueState<int>("seen");
            output.Collect($"{context.CurrentKey}@{timestamp - T0} {(processing ? "processing" : "event")} seen={seen.Value}");
            seen.Clear();
            if (processing && context.GetValueState<bool>("chained").Value)
            {
                context.RegisterProcessingTimeTimer(timestamp + 25);
            }
        }
    }
}
