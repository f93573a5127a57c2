using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.State;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class KeyedStateTableTests
{
    [Fact]
    public void A_snapshot_does_not_see_writes_made_after_it_and_the_table_does()
    {
        var table = new KeyedStateTable<string, long>(new KeyGroupRange(0, 3));
        table.Set(1, "a", 1);
        table.Set(2, "b", 2);

        var snapshot = table.Snapshot();
        table.Set(1, "a", 10);
        table.Set(1, "c", 3);
        table.Remove(2, "b");

        Assert.Equal(new Dictionary<string, long> { ["a"] = 1 }, snapshot.Groups[1]);
        Assert.Equal(new Dictionary<string, long> { ["b"] = 2 }, snapshot.Groups[2]);
        Assert.True(table.TryGet(1, "a", out var a) && a == 10);
        Assert.False(table.TryGet(2, "b", out _));
    }

    [Fact]
    public void Writes_through_a_value_slot_and_removals_after_a_snapshot_leave_it_unchanged()
    {
        var table = new KeyedStateTable<string, long>(new KeyGroupRange(0, 3));
        table.Set(1, "a", 1);
        table.Set(2, "b", 2);
        var snapshot = table.Snapshot();

        ref var a = ref table.GetValueRefOrAddDefault(1, "a", out var aExisted);
        a += 10;
        ref var c = ref table.GetValueRefOrAddDefault(1, "c", out var cExisted);
        c = 5;
        var removed = table.TryRemove(2, "b", out var b);

        Assert.True(aExisted);
        Assert.False(cExisted);
        Assert.True(removed && b == 2);
        Assert.False(table.TryRemove(2, "b", out _));
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1 }, snapshot.Groups[1]);
        Assert.Equal(new Dictionary<string, long> { ["b"] = 2 }, snapshot.Groups[2]);
        Assert.True(table.TryGet(1, "a", out var newA) && newA == 11);
        Assert.True(table.TryGet(1, "c", out var newC) && newC == 5);
    }

    [Fact]
    public void A_second_snapshot_shares_the_key_groups_nobody_wrote_since_the_first()
    {
        var table = new KeyedStateTable<string, long>(new KeyGroupRange(0, 1));
        table.Set(0, "x", 1);
        table.Set(1, "y", 1);
        var first = table.Snapshot();
        table.Set(1, "y", 2);

        var second = table.Snapshot();

        Assert.Same(first.Groups[0], second.Groups[0]); // untouched: not copied
        Assert.NotSame(first.Groups[1], second.Groups[1]);
    }

    [Fact]
    public void Restoring_keeps_only_the_key_groups_this_instance_owns()
    {
        var serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
        var whole = new KeyedStateTable<string, long>(new KeyGroupRange(0, 7));
        for (var kg = 0; kg < 8; kg++)
        {
            whole.Set(kg, $"k{kg}", kg * 10);
        }

        var bytes = serializer.SerializeToArray(whole.Snapshot());
        var half = new KeyedStateTable<string, long>(new KeyGroupRange(4, 7));
        half.Restore(serializer.Deserialize<KeyedStateSnapshot<string, long>>(bytes)!);

        Assert.Equal([4, 5, 6, 7], half.NonEmptyGroups().Select(g => g.KeyGroup));
        Assert.True(half.TryGet(6, "k6", out var v) && v == 60);
    }
}
