using OrleansCheckpoint.Dataflow;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit.TwoInput;

/// <summary>A window join on its own: the pairs of one key's records in one event-time window, emitted when the window ends.</summary>
public sealed class WindowJoinOperatorTests
{
    [Fact]
    public void A_tumbling_window_emits_the_cross_product_of_its_two_sides_per_key_at_its_end()
    {
        var op = Harness(TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10)));
        op.First((new Ev("a", "l1"), 1_000), (new Ev("a", "l2"), 9_999), (new Ev("b", "l3"), 5_000), (new Ev("a", "l-next"), 10_000));
        op.Second((new Ev("a", "r1"), 2_000), (new Ev("a", "r2"), 3_000), (new Ev("c", "r3"), 4_000));
        op.Watermark(9_998);
        Assert.Empty(op.Output);

        op.Watermark(9_999);
        Assert.Equal(
            [("l1+r1", 9_999L), ("l1+r2", 9_999L), ("l2+r1", 9_999L), ("l2+r2", 9_999L)],
            op.Output.Order());
        op.Watermark(long.MaxValue); // [10 s, 20 s) has no right record: nothing
        Assert.Equal(4, op.Output.Count);
        Assert.Empty(op.State<Dictionary<long, Runtime.Operators.Joins.JoinWindow<Ev, Ev>>>("windows"));
    }

    [Fact]
    public void Sliding_windows_join_a_pair_once_in_each_window_that_holds_both()
    {
        var op = Harness(SlidingEventTimeWindows.Of(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)));
        op.First((new Ev("a", "l"), 6_000));   // windows [0, 10) and [5, 15)
        op.Second((new Ev("a", "r"), 12_000)); // windows [5, 15) and [10, 20)
        op.Watermark(long.MaxValue);

        Assert.Equal([("l+r", 14_999L)], op.Output);
    }

    [Fact]
    public void A_record_is_late_only_for_the_windows_its_channel_watermark_has_passed()
    {
        var op = Harness(SlidingEventTimeWindows.Of(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5)));
        op.Second(channelWatermark: 0, (new Ev("a", "r-early"), 6_000), (new Ev("a", "r-late"), 13_000));
        op.First(channelWatermark: 9_999, (new Ev("a", "l"), 7_000)); // [0, 10) has ended by its channel; [5, 15) has not
        op.First(channelWatermark: 15_000, (new Ev("a", "l-late"), 8_000)); // every window of 8 s has ended by its channel
        op.Watermark(long.MaxValue);

        Assert.Equal(1, op.LateRecords);
        Assert.Equal([("l+r-early", 14_999L), ("l+r-late", 14_999L)], op.Output.Order());
    }

    [Fact]
    public void Open_windows_survive_a_snapshot_and_restore()
    {
        var op = Harness(TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10)));
        op.First((new Ev("a", "l1"), 1_000));
        op.Second((new Ev("a", "r1"), 2_000));
        op.SnapshotAndRestore();
        op.Second((new Ev("a", "r2"), 3_000));
        op.Watermark(long.MaxValue);

        Assert.Equal(["l1+r1", "l1+r2"], op.Output.Select(o => o.Value).Order());
    }

    private static TwoInputHarness<Ev, Ev, string> Harness(EventTimeWindows windows) =>
        new((left, right) => left.Join(right).Where(e => e.Key).EqualTo(e => e.Key).Window(windows).Apply("join", (l, r) => $"{l.Id}+{r.Id}"));

    [GenerateSerializer]
    public sealed record Ev([property: Id(0)] string Key, [property: Id(1)] string Id);
}
