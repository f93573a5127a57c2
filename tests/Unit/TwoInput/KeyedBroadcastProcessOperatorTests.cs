using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Runtime.Operators.Broadcast;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit.TwoInput;

/// <summary>
/// A keyed broadcast process function on its own: limits per category arrive on the broadcast input and are kept in
/// broadcast state; payments on the keyed input are checked against their category's limit, counted per account.
/// </summary>
public sealed class KeyedBroadcastProcessOperatorTests
{
    [Fact]
    public void Broadcast_records_fill_the_broadcast_state_that_keyed_records_read_beside_their_keys_state()
    {
        var op = Harness();
        op.Second((new Limit("food", 100), 1_000), (new Limit("fuel", 50), 1_000));
        op.First((new Payment("acct-1", "food", 150), 2_000), (new Payment("acct-1", "fuel", 20), 2_000), (new Payment("acct-1", "food", 120), 3_000), (new Payment("acct-2", "toys", 999), 3_000));

        Assert.Equal([("acct-1 over food limit 100 (1st)", 2_000L), ("acct-1 over food limit 100 (2nd)", 3_000L)], op.Output.Where(o => o.Value.Contains("over", StringComparison.Ordinal)));
    }

    [Fact]
    public void What_a_broadcast_record_emits_has_its_timestamp_and_a_later_limit_replaces_the_earlier()
    {
        var op = Harness();
        op.Second((new Limit("food", 100), 1_000), (new Limit("food", 200), 5_000));
        op.First((new Payment("acct-1", "food", 150), 6_000));

        Assert.Equal([("limit food = 100", 1_000L), ("limit food = 200", 5_000L)], op.Output.Where(o => o.Value.StartsWith("limit", StringComparison.Ordinal)));
        Assert.DoesNotContain(op.Output, o => o.Value.Contains("over", StringComparison.Ordinal));
    }

    [Fact]
    public void Broadcast_state_and_keyed_state_survive_a_snapshot_and_restore()
    {
        var op = Harness();
        op.Second((new Limit("food", 100), 1_000));
        op.First((new Payment("acct-1", "food", 150), 2_000));
        op.SnapshotAndRestore();
        op.First((new Payment("acct-1", "food", 170), 3_000));

        Assert.Equal("acct-1 over food limit 100 (2nd)", op.Output[^1].Value);
    }

    [Fact]
    public void A_snapshot_holds_a_copy_of_the_broadcast_state_as_of_its_checkpoint()
    {
        var op = Harness();
        op.Second((new Limit("food", 100), 1_000));
        var snapshot = (BroadcastStateSnapshot)op.Operator.SnapshotNonKeyedState(checkpointId: 1)!;
        op.Second((new Limit("fuel", 50), 2_000));

        Assert.Equal(["food"], ((Dictionary<string, long>)snapshot.States["limits"]).Keys);
    }

    [Fact]
    public void An_instance_that_a_rescale_added_takes_the_broadcast_state_of_a_former_instance()
    {
        var former = Harness();
        former.Second((new Limit("food", 100), 1_000));
        var added = Harness();
        added.Operator.RestoreSharedState(former.Operator.SnapshotNonKeyedState(checkpointId: 1)!);
        added.First((new Payment("acct-9", "food", 101), 2_000));

        Assert.Equal("acct-9 over food limit 100 (1st)", Assert.Single(added.Output).Value);
    }

    [Fact]
    public void A_broadcast_state_restored_as_a_map_of_other_types_is_refused_naming_both()
    {
        var former = Harness();
        former.Second((new Limit("food", 100), 1_000));
        var states = new Dictionary<string, object> { ["limits"] = new Dictionary<string, string> { ["food"] = "100" } };
        var op = Harness();
        op.Operator.RestoreState(new BroadcastStateSnapshot(states));

        var e = Assert.Throws<IncompatibleSnapshotException>(() => op.First((new Payment("acct-1", "food", 1), 1_000)));
        Assert.Contains("String to String", e.Message, StringComparison.Ordinal);
        Assert.Contains("String to Int64", e.Message, StringComparison.Ordinal);
    }

    private static TwoInputHarness<Payment, Limit, string> Harness() =>
        new((payments, limits) => payments.KeyBy(p => p.Account).Connect(limits.Broadcast()).Process("check", () => new LimitCheck()));

    [GenerateSerializer]
    public sealed record Payment([property: Id(0)] string Account, [property: Id(1)] string Category, [property: Id(2)] long Amount);

    [GenerateSerializer]
    public sealed record Limit([property: Id(0)] string Category, [property: Id(1)] long Max);

    private sealed class LimitCheck : KeyedBroadcastProcessFunction<string, Payment, Limit, string>
    {
        public override void ProcessElement(Payment value, IKeyedBroadcastContext<string> context, ICollector<string> output)
        {
            if (context.GetBroadcastState<string, long>("limits").TryGetValue(value.Category, out var max) && value.Amount > max)
            {
                var over = context.GetValueState<int>("over");
                over.Update(over.Value + 1);
                output.Collect($"{context.CurrentKey} over {value.Category} limit {max} ({(over.Value == 1 ? "1st" : "2nd")})");
            }
        }

        public override void ProcessBroadcastElement(Limit value, IBroadcastContext context, ICollector<string> output)
        {
            context.GetBroadcastState<string, long>("limits").Put(value.Category, value.Max);
            if (value.Category == "food")
            {
                output.Collect($"limit {value.Category} = {value.Max}");
            }
        }
    }
}
