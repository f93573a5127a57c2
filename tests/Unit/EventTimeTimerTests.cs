using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>Event-time timers of keyed process functions, on a keyed process operator driven by hand.</summary>
public sealed class EventTimeTimerTests
{
    [Fact]
    public void Timers_fire_once_the_watermark_reaches_them_in_time_order_then_key_order_with_their_time_as_timestamp()
    {
        var op = new TimerHarness();
        op.Process(("b", "register", 200), ("a", "register", 200), ("c", "register", 300), ("a", "register", 100));

        op.AdvanceWatermark(99);
        Assert.Empty(op.Output);
        op.AdvanceWatermark(200);
        op.AdvanceWatermark(long.MaxValue); // the end of the input

        Assert.Equal(["a@100", "a@200", "b@200", "c@300"], op.Output.Select(o => o.Value.Split(' ')[0]));
        Assert.Equal([100L, 200, 200, 300], op.Output.Select(o => o.Timestamp));
        Assert.Equal(0, op.PendingTimers);
    }

    [Fact]
    public void A_key_has_one_timer_per_time_however_often_it_is_registered()
    {
        var op = new TimerHarness();
        op.Process(("a", "register", 100), ("a", "register", 100), ("b", "register", 100), ("a", "register", 101));

        op.AdvanceWatermark(1_000);

        Assert.Equal(["a@100", "b@100", "a@101"], op.Output.Select(o => o.Value.Split(' ')[0]));
    }

    [Fact]
    public void A_deleted_timer_does_not_fire_and_other_keys_timers_at_that_time_still_do()
    {
        var op = new TimerHarness();
        op.Process(("a", "register", 100), ("b", "register", 100), ("a", "register", 150), ("a", "delete", 100), ("c", "delete", 100));

        op.AdvanceWatermark(1_000);

        Assert.Equal(["b@100", "a@150"], op.Output.Select(o => o.Value.Split(' ')[0]));
    }

    [Fact]
    public void A_timer_sees_and_changes_the_state_of_its_own_key()
    {
        var op = new TimerHarness();
        op.Process(("a", "register", 100), ("a", "register", 200), ("a", "register", 200), ("b", "register", 100));

        op.AdvanceWatermark(100);
        op.Process(("a", "register", 300)); // the timer at 100 cleared a's count
        op.AdvanceWatermark(long.MaxValue);

        Assert.Equal(["a@100 seen=3", "b@100 seen=1", "a@200 seen=1", "a@300 seen=0"], op.Output.Select(o => o.Value));
    }

    [Fact]
    public void A_timer_registered_while_timers_fire_fires_in_the_same_watermark_if_it_is_due()
    {
        var op = new TimerHarness();
        op.Process(("a", "chain", 100));

        op.AdvanceWatermark(150);

        Assert.Equal(["a@100", "a@125", "a@150"], op.Output.Select(o => o.Value.Split(' ')[0]));
        Assert.Equal(1, op.PendingTimers); // a@175
    }

    [Fact]
    public void Pending_timers_and_state_are_restored_from_a_serialized_snapshot_which_later_timers_do_not_change()
    {
        var op = new TimerHarness();
        op.Process(("a", "register", 100), ("b", "register", 200), ("c", "register", 300));
        op.AdvanceWatermark(100);

        var snapshot = op.Snapshot(); // serialized only when restored, after the changes below
        op.Process(("d", "register", 150), ("b", "delete", 200));
        op.AdvanceWatermark(long.MaxValue);
        var restored = new TimerHarness(snapshot);
        restored.AdvanceWatermark(long.MaxValue);

        Assert.Equal(["a@100 seen=1", "d@150 seen=1", "c@300 seen=1"], op.Output.Select(o => o.Value));
        Assert.Equal(["b@200 seen=1", "c@300 seen=1"], restored.Output.Select(o => o.Value));
    }

    [Fact]
    public void An_instance_restores_only_the_timers_of_its_own_key_groups()
    {
        var whole = new TimerHarness();
        var keys = Enumerable.Range(0, 40).Select(i => $"k{i}").ToList();
        whole.Process([.. keys.Select(k => (k, "register", 100L))]);
        var snapshot = whole.Snapshot();

        var halves = new[] { KeyGroups.RangeOf(0, 128, 2), KeyGroups.RangeOf(1, 128, 2) }.Select(r => new TimerHarness(snapshot, r)).ToList();
        foreach (var half in halves)
        {
            half.AdvanceWatermark(100);
        }

        Assert.All(halves, h => Assert.InRange(h.Output.Count, 1, keys.Count - 1));
        Assert.Equal(keys.Order(StringComparer.Ordinal), halves.SelectMany(h => h.Output).Select(o => o.Value.Split('@')[0]).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A keyed process operator (keys are strings) running <see cref="TimerFunction"/>, with its output captured.
    /// Commands: register or delete the key's timer at a time ("register" also counts the key's records), or
    /// "chain" (a timer that registers the next one 25 ms later when it fires).
    /// </summary>
    private sealed class TimerHarness
    {
        private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

        private readonly KeyedProcessOperator<(string Key, string Command, long Time), string, string> _operator;
        private readonly OperatorContext _context;
        private readonly CollectingWriter<string> _output = new();

        /// <summary>A new operator, restored from <paramref name="snapshot"/> (serialized and read back first, as a checkpoint stores it) if given.</summary>
        public TimerHarness(object? snapshot = null, KeyGroupRange? keyGroups = null)
        {
            var job = new JobBuilder("timers");
            var stream = job.Source<(string Key, string Command, long Time)>("commands", _ => default)
                .KeyBy(c => c.Key)
                .Process("timers", () => new TimerFunction());
            _operator = (KeyedProcessOperator<(string, string, long), string, string>)stream.Transformation.Accept(OperatorFactory.Instance);
            _context = new OperatorContext(new TaskId("timers", "timers", 0), 128, keyGroups ?? new KeyGroupRange(0, 127), null!, null!, null!, checkpointing: true);
            _operator.Open(_context);
            _operator.ConnectOutput(null, [_output]);
            if (snapshot is not null)
            {
                _operator.RestoreState(Serializer.Deserialize<object>(Serializer.SerializeToArray(snapshot))!);
            }
        }

        public List<(string Value, long Timestamp)> Output => _output.Records;

        public int PendingTimers => ((KeyedProcessSnapshot<string>)_operator.SnapshotState(0)).Timers.Groups.Values.Sum(g => g.Count);

        public void Process(params (string Key, string Command, long Time)[] commands)
        {
            foreach (var command in commands)
            {
                _operator.Accept(command, command.Time);
            }
        }

        public void AdvanceWatermark(long watermark)
        {
            _context.CurrentWatermark = watermark;
            while (!_operator.OnWatermark(watermark, budget: 2)) // in slices, as a task fires them
            {
            }
        }

        /// <summary>The synchronous part of a snapshot: an immutable view of the operator's state.</summary>
        public object Snapshot() => _operator.SnapshotState(1);
    }

    private sealed class TimerFunction : KeyedProcessFunction<string, (string Key, string Command, long Time), string>
    {
        public override void ProcessElement((string Key, string Command, long Time) value, IKeyedContext<string> context, ICollector<string> output)
        {
            switch (value.Command)
            {
                case "register":
                    var seen = context.GetValueState<int>("seen");
                    seen.Update(seen.Value + 1);
                    context.RegisterEventTimeTimer(value.Time);
                    break;
                case "delete":
                    context.DeleteEventTimeTimer(value.Time);
                    break;
                case "chain":
                    context.GetValueState<bool>("chained").Update(true);
                    context.RegisterEventTimeTimer(value.Time);
                    break;
            }
        }

        public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<string> output)
        {
            Assert.Equal(timestamp, context.Timestamp);
            var seen = context.GetValueState<int>("seen");
            output.Collect($"{context.CurrentKey}@{timestamp} seen={seen.Value}");
            seen.Clear();
            if (context.GetValueState<bool>("chained").Value)
            {
                context.RegisterEventTimeTimer(timestamp + 25);
            }
        }
    }
}
