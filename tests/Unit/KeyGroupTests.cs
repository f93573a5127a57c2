using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Graph;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class KeyGroupTests
{
    [Fact]
    public void Key_hashes_are_the_published_XxHash3_values_so_every_process_and_machine_agrees()
    {
        // XxHash3-64 (seed 0) of the UTF-8 bytes; a per-process randomised hash (string.GetHashCode) could not match constants.
        Assert.Equal(0x2D06800538D394C2UL, StableKeyHash.Of(string.Empty));
        Assert.Equal(StableKeyHash.Of("/api/orders"), StableKeyHash.Of(new string("/api/orders".ToCharArray())));
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64("/api/orders"u8), StableKeyHash.Of("/api/orders"));
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(BitConverter.GetBytes(42L)), StableKeyHash.Of(42));
        Assert.Equal(StableKeyHash.Of(42), StableKeyHash.Of(42L)); // an int key and a long key of the same value share a group
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64([42, 0, 0, 0, 0, 0, 0, 0]), StableKeyHash.Of(42)); // little-endian on every machine
    }

    [Fact]
    public void The_demo_keys_land_in_the_same_key_groups_in_every_version()
    {
        // Pinned: changing the hash or the key-group mapping would strand every snapshot already written.
        Assert.Equal(0xBE66E07E8A81C983UL, StableKeyHash.Of("/api/orders"));
        Assert.Equal(3, KeyGroups.Of(StableKeyHash.Of("/api/orders"), 128));
        Assert.Equal(83, KeyGroups.Of(StableKeyHash.Of("/api/cart"), 128));
    }

    private sealed class NoToString(int id)
    {
        public int Id { get; } = id;
    }

    private sealed record Endpoint(string Path, int Port);

    [Fact]
    public void A_key_type_whose_keys_would_all_hash_alike_is_refused_by_name_when_the_job_is_built()
    {
        var error = Assert.Throws<ArgumentException>(() => new KeySelector<int, NoToString>(i => new NoToString(i)));
        Assert.Contains("NoToString has no stable hash", error.Message);
        Assert.Throws<ArgumentException>(() => StableKeyHash.Of<object>(new NoToString(1)));

        var records = new KeySelector<int, Endpoint>(i => new Endpoint("/api", i));
        Assert.NotEqual(records.HashOf(1), records.HashOf(2));
        var tuples = new KeySelector<int, (string, int)>(i => ("a", i));
        Assert.NotEqual(tuples.HashOf(1), tuples.HashOf(2));
    }

    [Fact]
    public void A_long_string_key_hashes_the_same_as_its_bytes()
    {
        var key = new string('x', 1_000);

        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(key)), StableKeyHash.Of(key));
    }

    [Theory]
    [InlineData(128)]
    [InlineData(7)]
    [InlineData(1)]
    public void Every_key_group_belongs_to_exactly_one_partition_and_the_ranges_agree_with_the_assignment(int maxParallelism)
    {
        for (var parallelism = 1; parallelism <= maxParallelism; parallelism++)
        {
            var owners = new int[maxParallelism];
            for (var partition = 0; partition < parallelism; partition++)
            {
                var range = KeyGroups.RangeOf(partition, maxParallelism, parallelism);
                for (var kg = range.Start; kg <= range.End; kg++)
                {
                    owners[kg]++;
                    Assert.Equal(partition, KeyGroups.PartitionOf(kg, maxParallelism, parallelism));
                }
            }

            Assert.All(owners, count => Assert.Equal(1, count));
        }
    }

    [Fact]
    public void A_key_keeps_its_key_group_when_the_parallelism_changes()
    {
        var keyGroup = KeyGroups.Of(StableKeyHash.Of("/api/cart"), 128);

        var owners = Enumerable.Range(1, 8).Select(p => KeyGroups.RangeOf(KeyGroups.PartitionOf(keyGroup, 128, p), 128, p)).ToList();

        Assert.All(owners, range => Assert.True(range.Contains(keyGroup)));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(9_999, 0)]
    [InlineData(10_000, 10_000)]
    [InlineData(-1, -10_000)]
    [InlineData(-10_000, -10_000)]
    public void Tumbling_windows_are_aligned_to_the_epoch_also_before_it(long timestamp, long start)
    {
        Assert.Equal(start, TumblingEventTimeWindows.Of(TimeSpan.FromSeconds(10)).WindowStart(timestamp));
    }
}
