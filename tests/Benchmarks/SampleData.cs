using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.State;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>Nexmark bids from the generator, the records the benchmarks move around.</summary>
internal static class SampleData
{
    /// <summary>The first <paramref name="count"/> bids of the Nexmark stream (of the default configuration if null), with their timestamps.</summary>
    public static StreamRecord<Bid>[] Bids(int count, NexmarkConfig? config = null)
    {
        var generator = new NexmarkGenerator(config);
        var bids = new List<StreamRecord<Bid>>(count);
        for (long i = 0; bids.Count < count; i++)
        {
            if (generator.EventAt(i) is Bid bid)
            {
                bids.Add(new StreamRecord<Bid>(bid, bid.DateTime.ToUnixTimeMilliseconds()));
            }
        }

        return [.. bids];
    }

    /// <summary>A bid of about 100 bytes for <paramref name="auction"/>, the same every time: a record-sized state value.</summary>
    public static Bid BidFor(long auction) => new(
        auction, 1_000 + (auction % 977), 100 + (auction * 13 % 10_000), $"channel-{auction % 100}", $"https://www.nexmark.com/item.htm?query=1&channel_id={auction % 100}",
        DateTimeOffset.UnixEpoch.AddMilliseconds(1_700_000_000_000 + auction), new string('x', 24));

    /// <summary>A keyed state table of keys 0 to <paramref name="keys"/> − 1 over every key group, each with <paramref name="value"/> of it.</summary>
    internal static KeyedStateTable<long, TValue> Table<TValue>(int keys, int maxParallelism, Func<long, TValue> value)
    {
        var table = new KeyedStateTable<long, TValue>(KeyGroups.RangeOf(0, maxParallelism, 1));
        for (long key = 0; key < keys; key++)
        {
            table.Set(KeyGroups.Of(StableKeyHash.Of(key), maxParallelism), key, value(key));
        }

        return table;
    }
}
