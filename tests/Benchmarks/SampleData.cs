using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Benchmarks;

/// <summary>Nexmark bids from the generator, the records the benchmarks move around.</summary>
public static class SampleData
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
}
