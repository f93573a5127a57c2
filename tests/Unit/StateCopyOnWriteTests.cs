using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// Snapshots are copy-on-write: the state a snapshot holds is serialized after processing has gone on. User functions
/// that change their state objects in place (as Flink allows an AggregateFunction to do with its accumulator) must not
/// change what a snapshot already holds.
/// </summary>
public sealed class StateCopyOnWriteTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    [Fact]
    public void A_keyed_aggregate_that_adds_to_its_accumulator_in_place_does_not_change_a_snapshot_taken_before()
    {
        var op = new KeyedAggregateOperator<long, long, Total, long>(
            (KeyedAggregateTransformation<long, long, Total, long>)new JobBuilder("test").Source("numbers", long.Parse).KeyBy(n => n % 2).Aggregate("totals", new InPlaceTotal()).Transformation);
        op.Open(Context());
        op.Accept(1, 0);
        op.Accept(2, 0);

        var snapshot = (KeyedStateSnapshot<long, Total>)op.SnapshotState(1);
        op.Accept(3, 0);
        op.Accept(5, 0);

        var stored = RoundTrip(snapshot); // serialized after processing went on, as the asynchronous part of a checkpoint is
        Assert.Equal(1, stored.Groups.Values.SelectMany(g => g).Single(e => e.Key == 1).Value.Sum);
        Assert.Equal(2, stored.Groups.Values.SelectMany(g => g).Single(e => e.Key == 0).Value.Sum);
        Assert.Equal(9, ((KeyedStateSnapshot<long, Total>)op.SnapshotState(2)).Groups.Values.SelectMany(g => g).Single(e => e.Key == 1).Value.Sum);
    }

    [Fact]
    public void A_window_aggregate_that_adds_to_its_accumulator_in_place_does_not_change_a_snapshot_taken_before()
    {
        var op = new WindowAggregateOperator<long, long, Total, long>(
            (WindowAggregateTransformation<long, long, Total, long>)new JobBuilder("test").Source("numbers", long.Parse)
                .KeyBy(n => n % 2).Window(TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10))).Aggregate("totals", new InPlaceTotal()).Transformation);
        op.Open(Context());
        op.Accept(1, 1_000);

        var snapshot = (KeyedStateSnapshot<WindowKey<long>, Total>)op.SnapshotState(1);
        op.Accept(3, 2_000);

        Assert.Equal(1, RoundTrip(snapshot).Groups.Values.SelectMany(g => g).Single().Value.Sum);
    }

    [Fact]
    public void A_value_state_whose_value_is_changed_in_place_does_not_change_a_snapshot_taken_before()
    {
        var op = new KeyedProcessOperator<long, long, long>(
            (KeyedProcessTransformation<long, long, long>)new JobBuilder("test").Source("numbers", long.Parse).KeyBy(n => n % 2).Process("totals", () => new InPlaceProcess()).Transformation);
        op.Open(Context());
        op.ConnectOutput(null, []);
        op.Accept(1, 0);

        var snapshot = (KeyedProcessSnapshot<long>)op.SnapshotState(1);
        op.Accept(3, 0);

        var state = RoundTrip((KeyedStateSnapshot<long, Total>)snapshot.States["total"]);
        Assert.Equal(1, state.Groups.Values.SelectMany(g => g).Single().Value.Sum);
    }

    private static OperatorContext Context() =>
        new(new TaskId("test", "totals", 0), 128, new KeyGroupRange(0, 127), null!, null!, null!, checkpointing: true) { Copiers = new StateCopiers(Services.GetRequiredService<IDeepCopierProvider>(), Services.GetRequiredService<DeepCopier>()) };

    private static KeyedStateSnapshot<TKey, Total> RoundTrip<TKey>(KeyedStateSnapshot<TKey, Total> snapshot)
        where TKey : notnull
    {
        var serializer = Services.GetRequiredService<Serializer>();
        return serializer.Deserialize<KeyedStateSnapshot<TKey, Total>>(serializer.SerializeToArray(snapshot))!;
    }

    /// <summary>A mutable accumulator.</summary>
    [GenerateSerializer]
    public sealed class Total
    {
        [Id(0)]
        public long Sum { get; set; }
    }

    private sealed class InPlaceTotal : IAggregateFunction<long, Total, long>
    {
        public Total CreateAccumulator() => new();

        public Total Add(long value, Total accumulator)
        {
            accumulator.Sum += value; // in place, as Flink's AggregateFunction may
            return accumulator;
        }

        public long GetResult(Total accumulator) => accumulator.Sum;
    }

    private sealed class InPlaceProcess : KeyedProcessFunction<long, long, long>
    {
        public override void ProcessElement(long value, IKeyedContext<long> context, ICollector<long> output)
        {
            var total = context.GetValueState<Total>("total");
            if (total.Value is { } existing)
            {
                existing.Sum += value; // changed in place, then written back
                total.Update(existing);
            }
            else
            {
                total.Update(new Total { Sum = value });
            }
        }
    }
}
