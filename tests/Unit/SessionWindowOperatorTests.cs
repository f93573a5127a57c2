using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The session window operator on its own (gap 10 s): records, watermarks and snapshots fed by hand, its output collected.</summary>
public sealed class SessionWindowOperatorTests
{
    [Fact]
    public void Records_within_the_gap_make_one_session_and_a_longer_pause_starts_another()
    {
        var sessions = new SessionHarness();
        sessions.Record("a", 1_000);
        sessions.Record("a", 5_000);
        sessions.Record("b", 6_000);
        sessions.Record("a", 15_000); // exactly the gap after the last: the sessions touch, so they merge (as Flink's do)
        sessions.Record("a", 25_001); // one millisecond more than the gap: a new session

        sessions.Watermark(long.MaxValue);

        Assert.Equal([new Fired("b", 6_000, 16_000, 1), new Fired("a", 1_000, 25_000, 3), new Fired("a", 25_001, 35_001, 1)], sessions.Output);
    }

    [Fact]
    public void A_record_out_of_order_bridges_two_sessions_into_one_and_the_earlier_ends_do_not_fire()
    {
        var sessions = new SessionHarness();
        sessions.Record("a", 1_000);
        sessions.Record("a", 21_000);
        sessions.Record("a", 11_000); // [11 s, 21 s) touches [1 s, 11 s) and [21 s, 31 s)

        sessions.Watermark(20_000);
        Assert.Empty(sessions.Output); // the first session's end (11 s) went with the merge
        sessions.Watermark(long.MaxValue);
        Assert.Equal([new Fired("a", 1_000, 31_000, 3)], sessions.Output);
    }

    [Fact]
    public void A_record_whose_session_has_ended_by_the_watermark_is_dropped_as_late_but_one_that_joins_an_open_session_is_not()
    {
        var sessions = new SessionHarness();
        sessions.Record("a", 1_000);
        sessions.Record("a", 30_000);
        sessions.Watermark(35_000); // [1 s, 11 s) fired; [30 s, 40 s) open

        sessions.Record("a", 500);    // [0.5 s, 10.5 s): ended by the watermark, and nothing open to join
        sessions.Record("a", 26_000); // behind the watermark, but its session [26 s, 36 s) is still open and joins [30 s, 40 s)
        sessions.Watermark(long.MaxValue);

        Assert.Equal(1, sessions.LateRecords);
        Assert.Equal([new Fired("a", 1_000, 11_000, 1), new Fired("a", 26_000, 40_000, 2)], sessions.Output);
    }

    [Fact]
    public void A_session_restored_from_a_snapshot_mid_session_goes_on_and_fires_once()
    {
        var before = new SessionHarness();
        before.Record("a", 1_000);
        before.Record("b", 2_000);
        before.Record("a", 21_000);
        var snapshot = SessionHarness.RoundTrip(before.Snapshot());

        var after = new SessionHarness();
        after.Restore(snapshot);
        after.Record("a", 11_000); // bridges the two restored sessions of a
        after.Watermark(long.MaxValue);

        Assert.Equal([new Fired("b", 2_000, 12_000, 1), new Fired("a", 1_000, 31_000, 3)], after.Output);
    }

    [Fact]
    public void Reduce_merges_sessions_in_event_time_order()
    {
        var sessions = new SessionHarness(reduce: true);
        sessions.Record("a", 1_000);
        sessions.Record("a", 21_000);
        sessions.Record("a", 11_000);
        sessions.Watermark(long.MaxValue);

        Assert.Equal("1000,11000,21000", Assert.Single(sessions.Reduced));
    }

    private sealed record Fired(string Key, long Start, long End, long Count);

    private sealed record Click(string User, long Time, string Trail);

    /// <summary>A session count (or a reduce that joins the clicks' times) per user, opened as instance 0 of 1, its output collected.</summary>
    private sealed class SessionHarness
    {
        private const int MaxParallelism = 128;
        private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        private readonly OperatorContext _context = new(new TaskId("test", "sessions", 0), MaxParallelism, KeyGroups.RangeOf(0, MaxParallelism, 1), null!, null!, null!, checkpointing: true);
        private readonly StreamOperator _operator;
        private readonly CollectingWriter<WindowResult<string, long>> _counts = new();
        private readonly CollectingWriter<WindowResult<string, Click>> _reduced = new();

        public SessionHarness(bool reduce = false)
        {
            var keyed = new JobBuilder("test").Source("clicks", line => new Click(line, 0, line)).KeyBy(c => c.User).Window(EventTimeSessionWindows.WithGap(TimeSpan.FromSeconds(10)));
            if (reduce)
            {
                var transformation = (SessionWindowAggregateTransformation<Click, string, ReduceAccumulator<Click>, Click>)keyed
                    .Reduce("sessions", (x, y) => x with { Trail = $"{x.Trail},{y.Trail}" }).Transformation;
                var op = new SessionWindowAggregateOperator<Click, string, ReduceAccumulator<Click>, Click>(transformation);
                op.Open(_context);
                op.ConnectOutput(null, [_reduced]);
                _operator = op;
            }
            else
            {
                var transformation = (SessionWindowAggregateTransformation<Click, string, long, long>)keyed.Count("sessions").Transformation;
                var op = new SessionWindowAggregateOperator<Click, string, long, long>(transformation);
                op.Open(_context);
                op.ConnectOutput(null, [_counts]);
                _operator = op;
            }
        }

        public List<Fired> Output => [.. _counts.Records.Select(r => new Fired(r.Value.Key, r.Value.Start.ToUnixTimeMilliseconds(), r.Value.End.ToUnixTimeMilliseconds(), r.Value.Value))];

        public List<string> Reduced => [.. _reduced.Records.Select(r => r.Value.Value.Trail)];

        public long LateRecords => _context.Counters.LateRecordsDropped;

        public static object RoundTrip(object snapshot) =>
            Serializer.Deserialize<KeyedStateSnapshot<string, OpenSessions<long>>>(Serializer.SerializeToArray((KeyedStateSnapshot<string, OpenSessions<long>>)snapshot))!;

        public void Record(string user, long time) => ((IRecordConsumer<Click>)_operator).Accept(new Click(user, time, $"{time}"), time);

        public void Watermark(long watermark)
        {
            _context.CurrentInputWatermark = _context.CurrentWatermark = watermark;
            while (!_operator.OnWatermark(watermark, budget: 2)) // in slices, as a task fires them
            {
            }
        }

        public object Snapshot() => _operator.SnapshotState(checkpointId: 1)!;

        public void Restore(object snapshot) => _operator.RestoreState(snapshot);
    }
}
