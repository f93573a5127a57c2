using OrleansCheckpoint.Dataflow;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit.TwoInput;

/// <summary>
/// A keyed co-process function on its own: profiles on input 1 and orders on input 2 — both of one record type, so only
/// the input a batch came on tells them apart — meet in per-key state; an order waits for its profile at most 5 s of
/// event time (a timer), then goes out unmatched.
/// </summary>
public sealed class KeyedCoProcessOperatorTests
{
    [Fact]
    public void Records_of_both_inputs_share_their_keys_state_and_are_told_apart_by_the_input_they_came_on()
    {
        var op = Harness();
        op.Second((new Ev("a", "order-1"), 1_000)); // before a's profile: waits
        op.First((new Ev("a", "alice"), 2_000));
        op.Second((new Ev("a", "order-2"), 3_000), (new Ev("b", "order-3"), 3_000));
        op.First((new Ev("b", "bob"), 4_000));

        Assert.Equal(["order-1@alice", "order-2@alice", "order-3@bob"], op.Output.Select(o => o.Value));
        Assert.Empty(op.State<List<string>>("waiting"));
    }

    [Fact]
    public void An_event_time_timer_registered_by_one_input_fires_with_its_key_once_the_lowest_watermark_reaches_it()
    {
        var op = Harness();
        op.Second((new Ev("a", "order-1"), 1_000), (new Ev("c", "order-2"), 2_000));
        op.Watermark(5_999);
        Assert.Empty(op.Output);

        op.Watermark(6_000); // a's timer: 1 s + 5 s
        Assert.Equal([("order-1@none", 6_000L)], op.Output);
        op.First((new Ev("c", "carol"), 6_500)); // c's order is still waiting: it meets its profile, and its timer finds nothing
        op.Watermark(long.MaxValue);

        Assert.Equal(["order-1@none", "order-2@carol"], op.Output.Select(o => o.Value));
    }

    [Fact]
    public void State_and_timers_of_both_inputs_survive_a_snapshot_and_restore_and_later_changes_do_not_leak_into_the_snapshot()
    {
        var op = Harness();
        op.Second((new Ev("a", "order-1"), 1_000), (new Ev("b", "order-2"), 1_000));
        op.First((new Ev("z", "zoe"), 1_000));
        op.SnapshotAndRestore();

        op.Second((new Ev("z", "order-3"), 2_000));
        op.First((new Ev("a", "alice"), 2_500));
        op.Watermark(long.MaxValue);

        Assert.Equal(["order-3@zoe", "order-1@alice", "order-2@none"], op.Output.Select(o => o.Value));
    }

    private static TwoInputHarness<Ev, Ev, string> Harness() =>
        new((profiles, orders) => profiles.KeyBy(p => p.Key).Connect(orders.KeyBy(o => o.Key)).Process("enrich", () => new Enrich()));

    [GenerateSerializer]
    public sealed record Ev([property: Id(0)] string Key, [property: Id(1)] string Id);

    /// <summary>Orders enriched with their key's profile name; an order without a profile 5 s after it goes out as "@none".</summary>
    private sealed class Enrich : KeyedCoProcessFunction<string, Ev, Ev, string>
    {
        public override void ProcessElement1(Ev value, IKeyedContext<string> context, ICollector<string> output)
        {
            context.GetValueState<string>("profile").Update(value.Id);
            var waiting = context.GetValueState<List<string>>("waiting");
            foreach (var order in waiting.Value ?? [])
            {
                output.Collect($"{order}@{value.Id}");
            }

            waiting.Clear();
        }

        public override void ProcessElement2(Ev value, IKeyedContext<string> context, ICollector<string> output)
        {
            if (context.GetValueState<string>("profile") is { HasValue: true } profile)
            {
                output.Collect($"{value.Id}@{profile.Value}");
                return;
            }

            var waiting = context.GetValueState<List<string>>("waiting");
            var orders = waiting.Value ?? [];
            orders.Add(value.Id);
            waiting.Update(orders);
            context.RegisterEventTimeTimer(context.Timestamp + 5_000);
        }

        public override void OnTimer(long timestamp, IKeyedContext<string> context, ICollector<string> output)
        {
            var waiting = context.GetValueState<List<string>>("waiting");
            foreach (var order in waiting.Value ?? [])
            {
                output.Collect($"{order}@none");
            }

            waiting.Clear();
        }
    }
}
