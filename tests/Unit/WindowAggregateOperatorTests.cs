using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The window operator on its own: records, watermarks and snapshots fed by hand, its output collected.</summary>
public sealed class WindowAggregateOperatorTests
{
    /// <summary>Windows of 10 s starting every 5 s: each record belongs to two.</summary>
    private static readonly EventTimeWindows TenEveryFive = SlidingEventTimeWindows.Of(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));

    [Fact]
    public void A_record_is_counted_in_every_sliding_window_that_holds_it()
    {
        var window = new WindowHarness(TenEveryFive);

        window.Record("a", 12_000);
        window.Record("a", 14_999);
        window.Record("a", 15_000);
        window.Watermark(long.MaxValue);

        Assert.Equal(
            [
                new Fired("a", 5_000, 15_000, 2, 14_999),
                new Fired("a", 10_000, 20_000, 3, 19_999),
                new Fired("a", 15_000, 25_000, 1, 24_999),
            ],
            window.Output);
    }

    [Fact]
    public void Due_windows_fire_a_slice_at_a_time_and_resume_where_the_last_slice_stopped()
    {
        var window = new WindowHarness(TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10)));
        foreach (var user in new[] { "a", "b", "c", "d", "e" })
        {
            window.Record(user, 1_000);
            window.Record(user, 11_000);
        }

        Assert.False(window.FireSlice(long.MaxValue, budget: 3));
        Assert.Equal(3, window.Output.Count);
        Assert.False(window.FireSlice(long.MaxValue, budget: 3)); // the rest of the first window, then one of the second
        Assert.Equal(6, window.Output.Count);
        Assert.True(window.FireSlice(long.MaxValue, budget: 4));
        Assert.Equal(
            [.. new[] { "a", "b", "c", "d", "e" }.Select(u => new Fired(u, 0, 10_000, 1, 9_999)), .. new[] { "a", "b", "c", "d", "e" }.Select(u => new Fired(u, 10_000, 20_000, 1, 19_999))],
            window.Output);
        Assert.True(window.FireSlice(long.MaxValue, budget: 1)); // nothing left
    }

    [Fact]
    public void Windows_fire_in_order_of_their_end_once_the_watermark_reaches_their_last_millisecond()
    {
        var window = new WindowHarness(TenEveryFive);
        window.Record("b", 16_000);
        window.Record("a", 3_000);
        window.Record("a", 7_000);

        window.Watermark(4_998);
        Assert.Empty(window.Output);

        window.Watermark(4_999);
        Assert.Equal([new Fired("a", -5_000, 5_000, 1, 4_999)], window.Output);

        window.Watermark(9_999);
        window.Watermark(20_000);
        Assert.Equal(
            [
                new Fired("a", -5_000, 5_000, 1, 4_999),
                new Fired("a", 0, 10_000, 2, 9_999),
                new Fired("a", 5_000, 15_000, 1, 14_999),
                new Fired("b", 10_000, 20_000, 1, 19_999),
            ],
            window.Output);

        window.Watermark(long.MaxValue);
        Assert.Equal(new Fired("b", 15_000, 25_000, 1, 24_999), window.Output[^1]);
        Assert.Equal(5, window.Output.Count);
    }

    [Fact]
    public void A_record_late_for_some_of_its_windows_is_added_to_the_others_and_not_counted_as_late()
    {
        var window = new WindowHarness(TenEveryFive);
        window.Record("a", 11_000);
        window.Watermark(14_999); // [5 s, 15 s) fires

        window.Record("a", 12_000); // late for [5 s, 15 s), on time for [10 s, 20 s)
        window.Watermark(long.MaxValue);

        Assert.Equal(0, window.LateRecords);
        Assert.Equal(
            [
                new Fired("a", 5_000, 15_000, 1, 14_999),
                new Fired("a", 10_000, 20_000, 2, 19_999),
            ],
            window.Output);
    }

    [Fact]
    public void A_record_late_for_all_of_its_windows_is_dropped_and_counted()
    {
        var window = new WindowHarness(TenEveryFive);
        window.Watermark(19_999);

        window.Record("a", 12_000); // its windows end at 15 s and 20 s
        window.Record("a", 15_000); // on time for [15 s, 25 s)
        window.Watermark(long.MaxValue);

        Assert.Equal(1, window.LateRecords);
        Assert.Equal([new Fired("a", 15_000, 25_000, 1, 24_999)], window.Output);
    }

    [Fact]
    public void Lateness_is_judged_by_the_channel_watermark_not_the_instance_watermark()
    {
        var window = new WindowHarness(TenEveryFive);

        window.Watermark(instance: 5_000, channel: 19_999);
        window.Record("a", 12_000);

        Assert.Equal(1, window.LateRecords);
    }

    [Fact]
    public void A_restored_operator_fires_the_open_windows_as_the_original_would_and_not_those_fired_before_the_snapshot()
    {
        var original = new WindowHarness(TenEveryFive);
        original.Record("a", 3_000);
        original.Record("b", 8_000);
        original.Record("a", 12_000);
        original.Watermark(9_999); // fires [-5 s, 5 s) for a, [0 s, 10 s) for a and b
        var snapshot = WindowHarness.RoundTrip(original.Snapshot());
        var firedBefore = original.Output.Count;

        var restored = new WindowHarness(TenEveryFive);
        restored.Restore(snapshot);
        foreach (var harness in new[] { original, restored })
        {
            harness.Record("a", 13_000);
            harness.Record("c", 16_000);
            harness.Watermark(long.MaxValue);
        }

        // Windows that end together may fire in another order after a restore (the timers are rebuilt from the state).
        Assert.Equal(3, firedBefore);
        Assert.Equal(original.Output.Skip(firedBefore).OrderBy(f => f.End).ThenBy(f => f.Key), restored.Output.OrderBy(f => f.End).ThenBy(f => f.Key));
        Assert.Equal(restored.Output.OrderBy(f => f.End), restored.Output);
        Assert.Contains(new Fired("a", 5_000, 15_000, 2, 14_999), restored.Output);
        Assert.Contains(new Fired("b", 5_000, 15_000, 1, 14_999), restored.Output);
        Assert.Contains(new Fired("c", 15_000, 25_000, 1, 24_999), restored.Output);
        Assert.DoesNotContain(restored.Output, f => f.Start <= 0);
    }

    [Fact]
    public void Writes_after_a_snapshot_do_not_change_it()
    {
        var window = new WindowHarness(TenEveryFive);
        window.Record("a", 12_000);
        var snapshot = window.Snapshot();

        window.Record("a", 13_000);
        window.Watermark(long.MaxValue);

        var restored = new WindowHarness(TenEveryFive);
        restored.Restore(snapshot);
        restored.Watermark(long.MaxValue);
        Assert.All(restored.Output, f => Assert.Equal(1, f.Count));
        Assert.Equal(2, restored.Output.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Adding_a_record_to_windows_that_exist_allocates_nothing(bool sliding)
    {
        var window = new WindowHarness(sliding ? TenEveryFive : TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10)));
        var clicks = Enumerable.Range(0, 1_000).Select(i => new Click("a", 12_000 + (i % 100))).ToArray();
        window.Record(clicks[0]); // creates the windows (and JITs the path)

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var click in clicks)
        {
            window.Record(click);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>A window's result as the operator emitted it, with the record's timestamp.</summary>
    private sealed record Fired(string Key, long Start, long End, long Count, long Timestamp);

    private sealed record Click(string User, long Time);

    /// <summary>A window operator counting clicks per user, opened as instance 0 of 1 (all key groups), its output collected.</summary>
    [Fact]
    public void A_window_invariant_reads_the_open_windows_results_as_captured_and_names_the_key_that_breaks_it()
    {
        var window = new WindowHarness(TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10)), (_, count) => count <= 2);
        window.Record("a", 1_000);
        window.Record("a", 2_000);
        window.Record("b", 11_000);
        var holds = window.PrepareCheck();
        window.Record("a", 3_000); // after the capture: the rule does not see it
        var broken = window.PrepareCheck();

        Assert.Null(holds());
        Assert.Equal("operator 'counts': invariant 'no window above 2' does not hold for key a (value 3)", broken());
        window.Watermark(long.MaxValue);
        Assert.Null(window.PrepareCheck()()); // every window fired: no open window left to break it
    }

    [Fact]
    public void A_window_without_invariants_prepares_no_check()
    {
        Assert.Null(new WindowHarness(TenEveryFive).PreparedCheck);
    }

    private sealed class WindowHarness
    {
        private const int MaxParallelism = 128;
        private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        private readonly OperatorContext _context = new(new TaskId("test", "counts", 0), MaxParallelism, KeyGroups.RangeOf(0, MaxParallelism, 1), null!, null!, null!, checkpointing: true);
        private readonly WindowAggregateOperator<Click, string, long, long> _operator;
        private readonly Collector _output = new();

        public WindowHarness(EventTimeWindows windows, Func<string, long, bool>? noWindowAbove2 = null)
        {
            var counts = new JobBuilder("test")
                .Source("clicks", line => new Click(line, 0))
                .KeyBy(c => c.User)
                .Window(windows)
                .Count("counts");
            var transformation = (noWindowAbove2 is null ? counts : counts.WithStateInvariant("no window above 2", noWindowAbove2)).Transformation;
            _operator = new WindowAggregateOperator<Click, string, long, long>((WindowAggregateTransformation<Click, string, long, long>)transformation);
            _operator.Open(_context);
            _operator.ConnectOutput(null, [_output]);
        }

        public List<Fired> Output => _output.Fired;

        /// <summary>The consistency check a checkpoint would prepare now (its capture of the open windows), if the window has rules.</summary>
        public Func<string?>? PreparedCheck => _operator.PrepareConsistencyCheck(1);

        public Func<string?> PrepareCheck() => PreparedCheck ?? throw new InvalidOperationException("no check prepared");

        public long LateRecords => _context.Counters.LateRecordsDropped;

        public static object RoundTrip(object snapshot) =>
            Serializer.Deserialize<KeyedStateSnapshot<WindowKey<string>, long>>(Serializer.SerializeToArray((KeyedStateSnapshot<WindowKey<string>, long>)snapshot))!;

        public void Record(string user, long time) => Record(new Click(user, time));

        public void Record(Click click) => _operator.Accept(click, click.Time);

        /// <summary>One slice of firing at <paramref name="watermark"/>: whether every due window fired.</summary>
        public bool FireSlice(long watermark, int budget)
        {
            _context.CurrentInputWatermark = _context.CurrentWatermark = watermark;
            return _operator.OnWatermark(watermark, budget);
        }

        /// <summary>The instance's watermark advances (to the same value on its one channel, unless told otherwise).</summary>
        public void Watermark(long instance, long? channel = null)
        {
            _context.CurrentInputWatermark = channel ?? instance;
            _context.CurrentWatermark = instance;
            while (!_operator.OnWatermark(instance, budget: 2)) // in slices, as a task fires them
            {
            }
        }

        public object Snapshot() => _operator.SnapshotState(checkpointId: 1);

        public void Restore(object snapshot) => _operator.RestoreState(snapshot);

        private sealed class Collector : IChannelWriter, IRecordConsumer<WindowResult<string, long>>
        {
            public List<Fired> Fired { get; } = [];

            public void Accept(WindowResult<string, long> value, long timestamp) =>
                Fired.Add(new Fired(value.Key, value.Start.ToUnixTimeMilliseconds(), value.End.ToUnixTimeMilliseconds(), value.Value, timestamp));

            public void EmitWatermark(long watermark)
            {
            }

            public void EmitEndOfInput(FinalCommit? finalCommit)
            {
            }

            public void EmitBarrier(CheckpointBarrier barrier)
            {
            }

            public void FlushPartial()
            {
            }

            public Task SendAsync() => Task.CompletedTask;
        }
    }
}
