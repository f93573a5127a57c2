using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// Consistency functions on a rolling count, through an instance's checkpointer: a rule that holds lets the snapshot be
/// written and acknowledged; one that is broken declines the checkpoint with the rule's own words and writes nothing;
/// the rule reads the state the checkpoint captured, while the processing path goes on changing the live state.
/// </summary>
public sealed class ConsistencyCheckTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void A_per_entry_rule_names_itself_and_the_first_key_that_breaks_it()
    {
        var rule = StateInvariant<string, long>.ForEachEntry("no count above 2", (_, count) => count <= 2);

        Assert.Null(rule.Check([new("a", 1), new("b", 2)]));
        Assert.Equal("invariant 'no count above 2' does not hold for key b (value 3)", rule.Check([new("a", 1), new("b", 3)]));
    }

    [Fact]
    public void A_whole_state_rule_reports_its_message_and_one_that_throws_is_violated()
    {
        var sum = StateInvariant<string, long>.ForWholeState("sum is even", e => e.Sum(kv => kv.Value) % 2 == 0 ? null : $"sum is {e.Sum(kv => kv.Value)}");
        var throwing = StateInvariant<string, long>.ForWholeState("throws", _ => throw new InvalidOperationException("boom"));

        Assert.Null(sum.Check([new("a", 1), new("b", 1)]));
        Assert.Equal("invariant 'sum is even' does not hold: sum is 3", sum.Check([new("a", 1), new("b", 2)]));
        Assert.Equal("invariant 'throws' threw InvalidOperationException: boom", throwing.Check([]));
    }

    [Fact]
    public void A_whole_state_predicate_attached_to_a_count_is_reported_by_its_name()
    {
        var counts = new JobBuilder("test").Source("words", w => w).KeyBy(w => w).Count("counts")
            .WithStateInvariant("at most 2 words", entries => entries.Count() <= 2);
        var rule = Assert.Single(((KeyedAggregateTransformation<string, string, long, long>)counts.Transformation).StateInvariants);

        Assert.Null(rule.Check([new("a", 1), new("b", 1)]));
        Assert.Equal("invariant 'at most 2 words' does not hold", rule.Check([new("a", 1), new("b", 1), new("c", 1)]));
    }

    [Fact]
    public void Attaching_a_rule_to_a_stream_without_keyed_state_is_refused_when_the_job_is_built()
    {
        var mapped = new JobBuilder("test").Source("words", w => w).Map("pairs", w => new KeyedValue<string, long>(w, 1));

        var refused = Assert.Throws<InvalidJobGraphException>(() => mapped.WithStateInvariant("positive", (_, v) => v > 0));

        Assert.Contains("MapTransformation 'pairs'", refused.Message);
    }

    [Fact]
    public async Task A_rule_that_holds_lets_the_checkpoint_be_acknowledged()
    {
        var instance = new Instance((_, count) => count <= 2);
        instance.Count("a", "a", "b");

        await instance.CheckpointAsync(1);

        Assert.Equal(1, Assert.Single(instance.Responder.Acknowledged).CheckpointId);
        Assert.Empty(instance.Responder.Declines);
    }

    [Fact]
    public async Task A_broken_rule_declines_the_checkpoint_with_its_message_and_writes_no_snapshot()
    {
        var instance = new Instance((_, count) => count <= 2);
        instance.Count("a", "a", "a", "b");

        await instance.CheckpointAsync(1);

        var decline = Assert.Single(instance.Responder.Declines);
        Assert.Equal((1L, false), (decline.CheckpointId, decline.Superseded)); // a failure, counted by the failure manager
        Assert.Equal("its state is inconsistent: operator 'counts': invariant 'no count above 2' does not hold for key a (value 3)", decline.Reason);
        Assert.Empty(instance.Responder.Acknowledged);
        Assert.Equal(0, instance.Storage.Writes);
    }

    [Fact]
    public async Task The_rule_reads_the_captured_state_while_the_processing_path_goes_on_changing_the_live_one()
    {
        using var release = new ManualResetEventSlim();
        using var reading = new ManualResetEventSlim();
        var instance = new Instance(invariant: StateInvariant<string, long>.ForWholeState("total is 2", entries =>
        {
            reading.Set();
            release.Wait(TimeSpan.FromSeconds(30)); // held until the live state has changed
            return entries.Sum(e => e.Value) == 2 ? null : $"total is {entries.Sum(e => e.Value)}";
        }));
        instance.Count("a", "b");

        var checkpoint = instance.CheckpointAsync(1);
        Assert.True(reading.Wait(TimeSpan.FromSeconds(30)), "the rule runs while the test goes on");
        instance.Count("a", "c", "d"); // the processing path is not held up by the rule, and its writes copy the shared key groups
        release.Set();
        await checkpoint;

        Assert.Single(instance.Responder.Acknowledged);
        Assert.Empty(instance.Responder.Declines);
    }

    [Fact]
    public async Task A_rule_over_a_value_state_of_a_process_function_declines_with_its_message_and_acknowledges_once_it_holds()
    {
        var instance = Instance.Process(StateInvariant<string, long>.ForEachEntry("no balance is negative", (_, balance) => balance >= 0));
        instance.Count("a:5", "b:3", "a:-6");

        await instance.CheckpointAsync(1);
        instance.Count("a:1");
        await instance.CheckpointAsync(2);

        var decline = Assert.Single(instance.Responder.Declines);
        Assert.Equal(1, decline.CheckpointId);
        Assert.Equal("its state is inconsistent: operator 'balances': value state 'balance': invariant 'no balance is negative' does not hold for key a (value -1)", decline.Reason);
        Assert.Equal(2, Assert.Single(instance.Responder.Acknowledged).CheckpointId);
    }

    [Fact]
    public async Task A_value_state_rule_typed_otherwise_than_its_state_declines_naming_both_types()
    {
        var instance = Instance.Process(StateInvariant<string, int>.ForEachEntry("small", (_, balance) => balance < 10));
        instance.Count("a:5");

        await instance.CheckpointAsync(1);

        var decline = Assert.Single(instance.Responder.Declines);
        Assert.Contains("Value state 'balance' of operator 'balances' holds Int64, not Int32", decline.Reason);
    }

    /// <summary>One instance of a keyed operator with a rule, its checkpointer, and what it told the coordinator.</summary>
    private sealed class Instance
    {
        private const int MaxParallelism = 128;
        private readonly OneInputOperator<string, KeyedValue<string, long>> _operator;
        private readonly TaskCheckpointer _checkpointer;

        public Instance(Func<string, long, bool>? holds = null, StateInvariant<string, long>? invariant = null)
            : this(Counts(invariant ?? StateInvariant<string, long>.ForEachEntry("no count above 2", holds!)))
        {
        }

        private Instance(OneInputOperator<string, KeyedValue<string, long>> op)
        {
            _operator = op;
            var task = new TaskId("test", op.Transformation.Uid, 0);
            _operator.Open(new OperatorContext(task, MaxParallelism, KeyGroups.RangeOf(0, MaxParallelism, 1), null!, null!, null!, checkpointing: true));
            _checkpointer = new TaskCheckpointer(task, [_operator], [], new InputGate(channelCount: 1, capacity: 4), () => long.MinValue, new SnapshotStore(Storage, Serializer), Responder);
        }

        /// <summary>A keyed process function that adds <c>key:amount</c> lines to the key's value state "balance".</summary>
        public static Instance Process<TValue>(StateInvariant<string, TValue> invariant)
        {
            var balances = new JobBuilder("test").Source("transfers", l => l).KeyBy(l => l.Split(':')[0])
                .Process("balances", () => new Balances())
                .WithValueStateInvariant("balance", invariant);
            var transformation = (KeyedProcessTransformation<string, string, KeyedValue<string, long>>)balances.Transformation;
            return new Instance(new KeyedProcessOperator<string, string, KeyedValue<string, long>>(transformation));
        }

        private static KeyedAggregateOperator<string, string, long, long> Counts(StateInvariant<string, long> invariant)
        {
            var counts = new JobBuilder("test").Source("words", w => w).KeyBy(w => w).Count("counts").WithStateInvariant(invariant);
            return new KeyedAggregateOperator<string, string, long, long>((KeyedAggregateTransformation<string, string, long, long>)counts.Transformation);
        }

        public RecordingResponder Responder { get; } = new();

        public CountingStorage Storage { get; } = new();

        public void Count(params string[] words)
        {
            foreach (var word in words)
            {
                _operator.Accept(word, 0);
            }
        }

        public Task CheckpointAsync(long id)
        {
            _checkpointer.OnSourceBarrier(new CheckpointBarrier(id, 0, CheckpointMode.ExactlyOnce));
            return _checkpointer.Uploads[id];
        }
    }

    private sealed class Balances : KeyedProcessFunction<string, string, KeyedValue<string, long>>
    {
        public override void ProcessElement(string value, IKeyedContext<string> context, ICollector<KeyedValue<string, long>> output)
        {
            var balance = context.GetValueState<long>("balance");
            balance.Update(balance.Value + long.Parse(value.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private sealed class RecordingResponder : ICheckpointResponder
    {
        public List<SnapshotHandle> Acknowledged { get; } = [];

        public List<(long CheckpointId, string Reason, bool Superseded)> Declines { get; } = [];

        public Task AcknowledgeAsync(SnapshotHandle handle)
        {
            Acknowledged.Add(handle);
            return Task.CompletedTask;
        }

        public Task DeclineAsync(long checkpointId, string reason, bool superseded)
        {
            Declines.Add((checkpointId, reason, superseded));
            return Task.CompletedTask;
        }
    }

    /// <summary>Grain storage that counts the snapshots written and keeps none.</summary>
    private sealed class CountingStorage : IGrainStorage
    {
        public int Writes { get; private set; }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            Writes++;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;
    }
}
