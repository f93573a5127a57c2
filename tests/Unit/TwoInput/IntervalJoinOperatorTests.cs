using OrleansCheckpoint.Runtime.Operators.Joins;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit.TwoInput;

/// <summary>An interval join on its own: a left record at t meets each right record of its key at t − 2 s … t + 1 s.</summary>
public sealed class IntervalJoinOperatorTests
{
    [Fact]
    public void A_left_record_meets_the_right_records_of_its_key_within_the_bounds_both_included_whichever_arrives_first()
    {
        var op = Harness();
        op.Second((new Ev("a", "r-before"), 7_999), (new Ev("a", "r-lower"), 8_000), (new Ev("a", "r-upper"), 11_000), (new Ev("a", "r-after"), 11_001), (new Ev("b", "r-other-key"), 10_000));
        op.First((new Ev("a", "l"), 10_000)); // the right records came first
        op.First((new Ev("a", "m"), 20_000));
        op.Second((new Ev("a", "s-before"), 17_999), (new Ev("a", "s-lower"), 18_000), (new Ev("a", "s-upper"), 21_000), (new Ev("a", "s-after"), 21_001)); // the left one came first

        Assert.Equal( // timestamped with the later of the two
            [("l+r-lower", 10_000L), ("l+r-upper", 11_000L), ("m+s-lower", 20_000L), ("m+s-upper", 21_000L)],
            op.Output);
    }

    [Fact]
    public void Each_side_is_kept_until_the_watermark_passes_the_last_time_a_partner_could_come_and_no_longer()
    {
        var op = Harness();
        op.First((new Ev("a", "l"), 10_000));
        op.Second((new Ev("a", "r"), 20_000));
        op.Watermark(10_999); // a right record at 11 s could still meet l
        Assert.Single(op.State<List<JoinEntry<Ev>>>("left"));

        op.Watermark(11_000);
        Assert.Empty(op.State<List<JoinEntry<Ev>>>("left"));
        Assert.Single(op.State<List<JoinEntry<Ev>>>("right")); // a left record at 22 s could meet r: kept until then

        op.Watermark(22_000);
        Assert.Empty(op.State<List<JoinEntry<Ev>>>("right"));
    }

    [Fact]
    public void A_record_behind_its_channels_watermark_is_counted_and_dropped_and_a_later_one_on_another_channel_is_not()
    {
        var op = Harness();
        op.First(channelWatermark: 9_000, (new Ev("a", "l-late"), 9_000), (new Ev("a", "l"), 9_500));
        op.Second(channelWatermark: 0, (new Ev("a", "r"), 9_000)); // its own channel is behind: on time

        Assert.Equal(1, op.LateRecords);
        Assert.Equal(["l+r"], op.Output.Select(o => o.Value));
    }

    [Fact]
    public void Kept_records_survive_a_snapshot_and_restore_and_are_still_cleaned_up()
    {
        var op = Harness();
        op.First((new Ev("a", "l1"), 10_000), (new Ev("b", "l2"), 10_000));
        op.SnapshotAndRestore();
        op.Second((new Ev("a", "r1"), 9_000), (new Ev("b", "r2"), 12_000));
        op.Watermark(long.MaxValue);

        Assert.Equal(["l1+r1"], op.Output.Select(o => o.Value));
        Assert.Empty(op.State<List<JoinEntry<Ev>>>("left"));
        Assert.Empty(op.State<List<JoinEntry<Ev>>>("right"));
    }

    private static TwoInputHarness<Ev, Ev, string> Harness() =>
        new((left, right) => left.KeyBy(e => e.Key).IntervalJoin(right.KeyBy(e => e.Key))
            .Between(TimeSpan.FromSeconds(-2), TimeSpan.FromSeconds(1))
            .Process("join", (l, r) => $"{l.Id}+{r.Id}"));

    [GenerateSerializer]
    public sealed record Ev([property: Id(0)] string Key, [property: Id(1)] string Id);
}
