using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.State;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>Per-entry change tracking of keyed state, the piece codec, and the chain an instance builds its pieces on.</summary>
public sealed class StateChangeTrackingTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(StateChangeTrackingTests).Assembly)).BuildServiceProvider();
    private static readonly StateCodecs Codecs = new(Services.GetRequiredService<Serializer>());
    private static readonly KeyGroupRange Groups = new(0, 7);

    [Fact]
    public void A_capture_holds_exactly_the_entries_written_or_removed_since_the_last_one()
    {
        var table = new KeyedStateTable<string, long>(Groups, trackChanges: true);
        table.Set(1, "a", 1);
        table.Set(2, "b", 2);
        Assert.Equal(["a", "b"], table.CaptureChanges("t").Entries.Keys.Order());

        table.Set(1, "a", 10);
        table.Remove(2, "b");
        ref var c = ref table.GetValueRefOrAddDefault(3, "c", out _);
        c = 7;
        _ = table.TryGet(1, "a", out _); // a read is no change
        table.Remove(4, "never-there"); // nor is removing what is not there
        var changes = table.CaptureChanges("t").Entries;

        Assert.Equal(new StateChange<long>(1, false, 10), changes["a"]);
        Assert.Equal(new StateChange<long>(2, true, 0), changes["b"]);
        Assert.Equal(new StateChange<long>(3, false, 7), changes["c"]);
        Assert.Equal(3, changes.Count);
        Assert.Empty(table.CaptureChanges("t").Entries);
    }

    [Fact]
    public void A_mutable_value_changed_in_place_after_a_capture_leaves_the_capture_as_it_was()
    {
        var copy = new StateCopiers(Services.GetRequiredService<IDeepCopierProvider>(), Services.GetRequiredService<DeepCopier>()).For<StateCopyOnWriteTests.Total>();
        var table = new KeyedStateTable<string, StateCopyOnWriteTests.Total>(Groups, copy, trackChanges: true);
        table.Set(1, "a", new StateCopyOnWriteTests.Total { Sum = 1 });

        var captured = table.CaptureChanges("t");
        Assert.True(table.TryGetToModify(1, "a", out var live));
        live.Sum = 100;

        Assert.Equal(1, captured.Entries["a"].Value.Sum);
        Assert.Equal(100, table.CaptureChanges("t").Entries["a"].Value.Sum); // read to modify: changed
    }

    [Fact]
    public void A_table_rebuilt_from_a_full_piece_and_its_deltas_equals_the_table_it_was_taken_from()
    {
        var table = new KeyedStateTable<WindowKey<string>, StateCopyOnWriteTests.Total>(Groups, trackChanges: true);
        var oracle = new Dictionary<WindowKey<string>, long>();
        var random = new Random(7);
        var pieces = new List<byte[]>();
        for (var round = 0; round < 4; round++)
        {
            for (var i = 0; i < 500; i++)
            {
                var key = new WindowKey<string>($"k{random.Next(300)}", random.Next(3) * 1000L);
                var group = int.Parse(key.Key.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) % 8;
                if (random.Next(5) == 0)
                {
                    table.Remove(group, key);
                    oracle.Remove(key);
                }
                else
                {
                    var sum = random.NextInt64(-1_000_000, 1_000_000);
                    table.Set(group, key, new StateCopyOnWriteTests.Total { Sum = sum });
                    oracle[key] = sum;
                }
            }

            pieces.Add(StatePieceCodec.Encode([("op", table.CaptureChanges("windows"))], Codecs));
        }

        var restored = new KeyedStateTable<WindowKey<string>, StateCopyOnWriteTests.Total>(Groups);
        foreach (var section in pieces.SelectMany(p => StatePieceCodec.Decode(p)))
        {
            Assert.Equal(("op", "windows"), (section.Uid, section.Table));
            restored.Apply(section.Entries, Codecs);
        }

        var actual = restored.NonEmptyGroups().SelectMany(g => g.Entries).ToDictionary(e => e.Key, e => e.Value.Sum);
        Assert.Equal(oracle.OrderBy(e => e.Key.Key).ThenBy(e => e.Key.Start), actual.OrderBy(e => e.Key.Key).ThenBy(e => e.Key.Start));
    }

    [Fact]
    public void The_common_types_round_trip_through_their_codecs()
    {
        RoundTrip(long.MinValue, long.MaxValue, -1L, 0L);
        RoundTrip(int.MinValue, 42);
        RoundTrip("", "ünïcødé", new string('x', 1000));
        RoundTrip(double.NaN, -0.5, double.MaxValue);
        RoundTrip(true, false);
        RoundTrip(Guid.NewGuid());
        RoundTrip(DateTimeOffset.Parse("2026-12-07T01:02:03.0040005+05:30"));
        RoundTrip(new EventTimeTimer<long>(-5, 123456789));
        RoundTrip(new TaskId("job", "op", 3)); // through Orleans' codec
    }

    [Fact]
    public void A_piece_holds_every_change_since_the_base_until_a_completion_confirms_a_newer_base()
    {
        var chain = new PieceChain(consolidateAfter: 3);
        var piece = (long id) => new StatePiece(id, SnapshotStore.PieceStateName(id), 1, "0123456789abcdef", id == 1);
        Assert.False(chain.NextIsFull); // the empty state: a first piece holds everything

        chain.Record(1, [("op", Changes(("a", 1)))], full: false);
        chain.Uploaded(1, [piece(1)]);
        chain.Confirm(1);
        var (since, extends) = chain.Record(2, [("op", Changes(("b", 2)))], full: false);
        chain.Uploaded(2, [piece(1), piece(2)]);
        Assert.Equal([piece(1)], extends);
        Assert.Single(since);

        // 2 is not confirmed yet: 3 holds 2's changes too, on base 1.
        (since, extends) = chain.Record(3, [("op", Changes(("a", 3)))], full: false);
        chain.Uploaded(3, [piece(1), piece(3)]);
        var merged = (TableChanges<string, long>)PieceChain.Merge(since).Single().Section;
        Assert.Equal(new Dictionary<string, long> { ["a"] = 3, ["b"] = 2 }, merged.Entries.ToDictionary(e => e.Key, e => e.Value.Value));
        Assert.Equal([piece(1)], extends);

        chain.Confirm(3);
        Assert.Equal(0, chain.PendingSnapshots);
        Assert.Equal(3, chain.BaseId);
        chain.Record(4, [], full: false);
        chain.Uploaded(4, [piece(1), piece(3), piece(4)]);
        chain.Confirm(4);
        Assert.True(chain.NextIsFull); // a fourth piece would exceed 3

        chain.Rebase(2, null); // restored from a whole snapshot: its chain is not known
        Assert.True(chain.NextIsFull);
    }

    [Fact]
    public void Without_completions_the_changes_kept_stay_bounded_and_a_piece_still_holds_every_change_since_the_base()
    {
        var chain = new PieceChain(consolidateAfter: 10);
        for (var id = 1; id <= 3 * PieceChain.MaxUnconfirmed; id++)
        {
            var (since, _) = chain.Record(id, [("op", Changes(($"k{id % 5}", id)))], full: false);
            Assert.InRange(chain.PendingSnapshots, 1, PieceChain.MaxUnconfirmed + 1);

            var merged = (TableChanges<string, long>)PieceChain.Merge(since).Single().Section;
            var expected = Enumerable.Range(1, id).GroupBy(i => $"k{i % 5}").ToDictionary(g => g.Key, g => (long)g.Max());
            Assert.Equal(expected, merged.Entries.ToDictionary(e => e.Key, e => e.Value.Value));
        }
    }

    private static TableChanges<string, long> Changes(params (string Key, long Value)[] entries) =>
        new("t", entries.ToDictionary(e => e.Key, e => new StateChange<long>(0, false, e.Value)));

    private static void RoundTrip<T>(params T[] values)
    {
        var codec = Codecs.For<T>();
        using var writer = new StateWriter(16);
        foreach (var value in values)
        {
            codec.Write(writer, value);
        }

        var reader = new StateReader(writer.ToArray());
        Assert.Equal(values, values.Select(_ => codec.Read(reader)));
        Assert.True(reader.AtEnd);
    }
}
