using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// A window's allowed lateness and its late-data side output, on the operator alone: records and watermarks fed by hand
/// (the record's channel watermark and the instance's), its results and side-output records collected.
/// </summary>
public sealed class AllowedLatenessTests
{
    private static readonly EventTimeWindows TenSeconds = TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10));

    [Fact]
    public void A_window_with_lateness_fires_once_when_the_watermark_reaches_its_end_and_keeps_its_state()
    {
        var window = new LatenessHarness(TenSeconds, lateness: 5_000);
        window.Record("a", 1_000);
        window.Record("a", 2_000);

        window.Watermark(9_998);
        Assert.Empty(window.Output);
        window.Watermark(9_999);
        window.Watermark(14_998);

        Assert.Equal([new Fired("a", 0, 10_000, 2, 9_999)], window.Output);
        Assert.Equal(1, window.OpenWindows); // kept for late records until 9_999 + 5_000
    }

    [Fact]
    public void A_record_after_the_firing_but_within_the_lateness_is_added_and_fires_the_window_again_at_once()
    {
        var window = new LatenessHarness(TenSeconds, lateness: 5_000);
        window.Record("a", 1_000);
        window.Watermark(12_000);

        window.Record("a", 3_000);
        window.Record("b", 4_000); // a key the window had no state for: its first result, at once
        window.Record("a", 9_999);

        Assert.Equal(
            [new Fired("a", 0, 10_000, 1, 9_999), new Fired("a", 0, 10_000, 2, 9_999), new Fired("b", 0, 10_000, 1, 9_999), new Fired("a", 0, 10_000, 3, 9_999)],
            window.Output);
        window.Watermark(long.MaxValue);
        Assert.Equal(4, window.Output.Count); // nothing fires twice for the same records
        Assert.Empty(window.SideOutput);
    }

    [Fact]
    public void The_state_is_cleaned_when_the_watermark_passes_end_minus_one_plus_the_lateness_and_later_records_go_to_the_side_output()
    {
        var window = new LatenessHarness(TenSeconds, lateness: 5_000);
        window.Record("a", 1_000);
        window.Watermark(14_998);
        window.Record("a", 4_000); // 14_998 < 9_999 + 5_000: still in time
        Assert.Equal(1, window.OpenWindows);

        window.Watermark(14_999);
        Assert.Equal(0, window.OpenWindows); // cleaned, without another result
        window.Record("a", 5_000); // late beyond the lateness
        window.Record("a", 15_000); // on time for the next window

        Assert.Equal([new Fired("a", 0, 10_000, 1, 9_999), new Fired("a", 0, 10_000, 2, 9_999)], window.Output);
        Assert.Equal([(new Click("a", 5_000), 5_000L)], window.SideOutput);
        Assert.Equal((0, 1), (window.LateRecordsDropped, window.LateRecordsSideOutput)); // side-outputted, not dropped
        window.Watermark(long.MaxValue);
        Assert.Equal(new Fired("a", 10_000, 20_000, 1, 19_999), window.Output[^1]);
    }

    [Fact]
    public void Without_a_consumed_side_output_a_record_beyond_the_lateness_is_counted_and_dropped()
    {
        var window = new LatenessHarness(TenSeconds, lateness: 5_000, sideOutput: false);
        window.Record("a", 1_000);
        window.Watermark(20_000);
        window.Record("a", 2_000);

        Assert.Equal([new Fired("a", 0, 10_000, 1, 9_999)], window.Output);
        Assert.Equal(1, window.LateRecordsDropped);
    }

    [Fact]
    public void Without_lateness_a_window_fires_and_forgets_at_its_end_and_a_late_record_goes_to_the_side_output()
    {
        var window = new LatenessHarness(TenSeconds, lateness: 0);
        window.Record("a", 1_000);
        window.Watermark(9_999);
        Assert.Equal(0, window.OpenWindows);
        window.Record("a", 2_000);

        Assert.Equal([new Fired("a", 0, 10_000, 1, 9_999)], window.Output);
        Assert.Equal([(new Click("a", 2_000), 2_000L)], window.SideOutput);
    }

    [Fact]
    public void A_sliding_record_late_for_its_older_window_only_is_added_to_the_newer_one_and_reaches_the_side_output_only_when_late_for_all()
    {
        var window = new LatenessHarness(SlidingEventTimeWindows.Of(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)), lateness: 2_000);
        window.Record("a", 11_000); // [5 s, 15 s) and [10 s, 20 s)
        window.Watermark(15_500);
        window.Record("a", 12_000); // [5 s, 15 s) fired, within its lateness: fires again; [10 s, 20 s) still open
        window.Watermark(17_000); // [5 s, 15 s) cleaned at 14_999 + 2_000
        window.Record("a", 13_000); // beyond the lateness of [5 s, 15 s), on time for [10 s, 20 s)
        window.Record("a", 9_000); // [0, 10 s) and [5 s, 15 s): beyond the lateness of both
        window.Watermark(long.MaxValue);

        Assert.Equal(
            [new Fired("a", 5_000, 15_000, 1, 14_999), new Fired("a", 5_000, 15_000, 2, 14_999), new Fired("a", 10_000, 20_000, 3, 19_999)],
            window.Output);
        Assert.Equal([(new Click("a", 9_000), 9_000L)], window.SideOutput);
    }

    [Fact]
    public void A_record_late_by_its_channel_but_before_the_instance_fired_the_window_is_in_its_first_result_not_an_extra_one()
    {
        var window = new LatenessHarness(TenSeconds, lateness: 5_000);
        window.Record("a", 1_000);
        window.Watermark(instance: 8_000, channel: 12_000); // another channel holds the instance back

        window.Record("a", 2_000);
        Assert.Empty(window.Output);
        window.Watermark(12_000);

        Assert.Equal([new Fired("a", 0, 10_000, 2, 9_999)], window.Output);
    }

    [Fact]
    public void A_window_restored_after_its_firing_does_not_fire_again_but_fires_for_a_late_record_and_is_cleaned_in_time()
    {
        var before = new LatenessHarness(TenSeconds, lateness: 5_000);
        before.Record("a", 1_000);
        before.Record("b", 11_000);
        before.Watermark(12_000);
        var snapshot = LatenessHarness.RoundTrip(before.Snapshot());

        var after = new LatenessHarness(TenSeconds, lateness: 5_000);
        after.Restore(snapshot, watermark: 12_000); // the task restores the watermark before the state
        after.Watermark(13_000);
        Assert.Empty(after.Output);
        after.Record("a", 2_000);
        after.Watermark(19_999);
        after.Record("a", 3_000);

        Assert.Equal([new Fired("a", 0, 10_000, 2, 9_999), new Fired("b", 10_000, 20_000, 1, 19_999)], after.Output);
        Assert.Equal([(new Click("a", 3_000), 3_000L)], after.SideOutput);
    }

    [Fact]
    public void A_late_session_record_goes_to_the_side_output_with_its_timestamp()
    {
        var tag = new OutputTag<Click>("late");
        var counts = new JobBuilder("test").Source("clicks", line => new Click(line, 0)).KeyBy(c => c.User)
            .Window(EventTimeSessionWindows.WithGap(TimeSpan.FromSeconds(10))).SideOutputLateData(tag).Count("sessions");
        var side = counts.GetSideOutput(tag);
        var op = new SessionWindowAggregateOperator<Click, string, long, long>((SessionWindowAggregateTransformation<Click, string, long, long>)counts.Transformation);
        var context = LatenessHarness.NewContext();
        op.Open(context);
        var results = new CollectingWriter<WindowResult<string, long>>("sink");
        var late = new CollectingWriter<Click>(side.Transformation.Uid);
        op.ConnectOutput(null, [results, late]);

        op.Accept(new Click("a", 1_000), 1_000);
        context.CurrentInputWatermark = context.CurrentWatermark = 20_000;
        op.OnWatermark(20_000, int.MaxValue);
        op.Accept(new Click("a", 2_000), 2_000); // its session [2 s, 12 s) ended by 20 s
        op.Accept(new Click("a", 15_000), 15_000); // a new session

        Assert.Single(results.Records);
        Assert.Equal([(new Click("a", 2_000), 2_000L)], late.Records);
        Assert.Equal(0, context.Counters.LateRecordsDropped);
    }

    [Fact]
    public void The_side_output_runs_as_a_vertex_of_its_own_beside_its_window_with_the_windows_parallelism()
    {
        var tag = new OutputTag<Click>("late");
        var job = new JobBuilder("test");
        var counts = job.Source("clicks", line => new Click(line, 0)).KeyBy(c => c.User).Window(TenSeconds).SideOutputLateData(tag).Count("counts");
        var late = counts.GetSideOutput(tag);
        counts.WithParallelism(3); // after the side output was made: it follows
        late.Map("late-users", c => c.User).WithParallelism(3).ToFiles("late-files").WithParallelism(3);
        counts.ToFiles("count-files").WithParallelism(3);

        var plan = PhysicalPlan.Build(job.Build(), parallelism: 2, maxParallelism: 128);

        Assert.Equal(["counts.late", "late-users", "late-files"], plan["counts.late"].Chain.Select(t => t.Uid));
        Assert.Equal(3, plan["counts.late"].Parallelism);
        Assert.Equal("counts", plan.VertexOf(counts.Transformation).Chain[^1].Uid); // the window ends its chain
        Assert.Same(late.Transformation, counts.GetSideOutput(new OutputTag<Click>("late")).Transformation);
        Assert.Throws<InvalidJobGraphException>(() => counts.GetSideOutput(new OutputTag<Click>("other")));
        Assert.Throws<InvalidJobGraphException>(() => late.GetSideOutput(tag));
    }

    [Fact]
    public void A_side_output_that_is_the_windows_only_consumer_still_runs_in_a_vertex_of_its_own()
    {
        var tag = new OutputTag<Click>("late");
        var job = new JobBuilder("test");
        var counts = job.Source("clicks", line => new Click(line, 0)).KeyBy(c => c.User).Window(TenSeconds).SideOutputLateData(tag).Count("counts");
        counts.GetSideOutput(tag).ToFiles("late-files");

        var plan = PhysicalPlan.Build(job.Build(), parallelism: 2, maxParallelism: 128);

        Assert.Equal(["counts"], plan.VertexOf(counts.Transformation).Chain.Select(t => t.Uid));
        Assert.Equal(["counts.late", "late-files"], plan["counts.late"].Chain.Select(t => t.Uid));
    }

    private sealed record Fired(string Key, long Start, long End, long Count, long Timestamp);

    private sealed record Click(string User, long Time);

    /// <summary>A window counting clicks per user with a lateness (and, unless told otherwise, a consumed late-data side output).</summary>
    private sealed class LatenessHarness
    {
        private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        private readonly OperatorContext _context = NewContext();
        private readonly WindowAggregateOperator<Click, string, long, long> _operator;
        private readonly CollectingWriter<WindowResult<string, long>> _results = new("results");
        private readonly CollectingWriter<Click>? _late;

        public LatenessHarness(EventTimeWindows windows, long lateness, bool sideOutput = true)
        {
            var tag = new OutputTag<Click>("late");
            var counts = new JobBuilder("test").Source("clicks", line => new Click(line, 0)).KeyBy(c => c.User)
                .Window(windows).AllowedLateness(TimeSpan.FromMilliseconds(lateness)).SideOutputLateData(tag).Count("counts");
            if (sideOutput)
            {
                _late = new CollectingWriter<Click>(counts.GetSideOutput(tag).Transformation.Uid);
            }

            _operator = new WindowAggregateOperator<Click, string, long, long>((WindowAggregateTransformation<Click, string, long, long>)counts.Transformation);
            _operator.Open(_context);
            _operator.ConnectOutput(null, _late is null ? [_results] : [_late, _results]);
        }

        public List<Fired> Output =>
            [.. _results.Records.Select(r => new Fired(r.Value.Key, r.Value.Start.ToUnixTimeMilliseconds(), r.Value.End.ToUnixTimeMilliseconds(), r.Value.Value, r.Timestamp))];

        public List<(Click Value, long Timestamp)> SideOutput => _late?.Records ?? [];

        public long LateRecordsDropped => _context.Counters.LateRecordsDropped;

        public long LateRecordsSideOutput => _context.Counters.LateRecordsSideOutput;

        public int OpenWindows => ((KeyedStateSnapshot<WindowKey<string>, long>)_operator.SnapshotState(checkpointId: 1)).Groups.Sum(g => g.Value.Count);

        public static OperatorContext NewContext() =>
            new(new TaskId("test", "counts", 0), 128, KeyGroups.RangeOf(0, 128, 1), null!, null!, null!, checkpointing: true);

        public static object RoundTrip(object snapshot) =>
            Serializer.Deserialize<KeyedStateSnapshot<WindowKey<string>, long>>(Serializer.SerializeToArray((KeyedStateSnapshot<WindowKey<string>, long>)snapshot))!;

        public void Record(string user, long time) => _operator.Accept(new Click(user, time), time);

        /// <summary>The instance's watermark advances (its one channel's with it, unless told otherwise).</summary>
        public void Watermark(long instance, long? channel = null)
        {
            _context.CurrentInputWatermark = channel ?? instance;
            _context.CurrentWatermark = instance;
            while (!_operator.OnWatermark(instance, budget: 2)) // in slices, as a task fires them
            {
            }
        }

        public object Snapshot() => _operator.SnapshotState(checkpointId: 1);

        /// <summary>As a task restores: the watermarks first, then the state.</summary>
        public void Restore(object snapshot, long watermark)
        {
            _context.CurrentInputWatermark = _context.CurrentWatermark = watermark;
            _operator.RestoreState(snapshot);
        }
    }
}
