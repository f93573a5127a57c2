using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OrleansCheckpoint.Jobs.Nexmark;

namespace OrleansCheckpoint.Client.Bench;

/// <summary>
/// The COST baseline: each query as a plain single-threaded C# loop over the same generated events (no Orleans,
/// no batching, no channels), its output handed to a sink that keeps the last record. Its events per second
/// are what one core does without the engine; the engine's events per CPU-second are compared with it.
/// </summary>
internal static class QueryBaselines
{
    private static readonly long WindowMs = (long)Query7.WindowSize.TotalMilliseconds;
    private static readonly long HotWindowMs = (long)Query5.WindowSize.TotalMilliseconds;
    private static readonly long HotSlideMs = (long)Query5.WindowSlide.TotalMilliseconds;
    private static readonly long OutOfOrdernessMs = (long)NexmarkSettings.OutOfOrderness.TotalMilliseconds;

    /// <summary>Runs <paramref name="query"/> over events 0 … <paramref name="events"/> − 1 on this thread; returns events per second and the number of outputs.</summary>
    public static (double EventsPerSecond, long Outputs) Run(string query, NexmarkGenerator generator, long events)
    {
        var sink = new Blackhole();
        var clock = Stopwatch.StartNew();
        switch (query)
        {
            case "q0":
                for (long i = 0; i < events; i++)
                {
                    sink.Take(generator.EventAt(i));
                }

                break;
            case "q1":
                for (long i = 0; i < events; i++)
                {
                    if (generator.EventAt(i) is Bid bid)
                    {
                        sink.Take(bid with { Price = (long)(bid.Price * Query1.DollarsToEuros) });
                    }
                }

                break;
            case "q2":
                for (long i = 0; i < events; i++)
                {
                    if (generator.EventAt(i) is Bid { } bid && bid.Auction % Query2.Modulus == 0)
                    {
                        sink.Take(new AuctionPrice(bid.Auction, bid.Price));
                    }
                }

                break;
            case "q5":
                RunQuery5(generator, events, sink);
                break;
            case "q7":
                RunQuery7(generator, events, sink);
                break;
            default:
                throw new ArgumentException($"No baseline for query '{query}'.", nameof(query));
        }

        return (events / clock.Elapsed.TotalSeconds, sink.Count);
    }

    /// <summary>The generator alone: events per second that one core generates (every query's baseline pays this too).</summary>
    public static double GeneratorOnly(NexmarkGenerator generator, long events)
    {
        var sink = new Blackhole();
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < events; i++)
        {
            sink.Take(generator.EventAt(i));
        }

        return events / clock.Elapsed.TotalSeconds;
    }

    // The auctions with the most bids per sliding window: a count per auction in each open window, the window's
    // highest count kept as the counts grow; windows emitted once the watermark (newest time − 4 s) has passed their end.
    private static void RunQuery5(NexmarkGenerator generator, long events, Blackhole sink)
    {
        var open = new SortedDictionary<long, HotWindow>();
        var maxTimestamp = long.MinValue;
        for (long i = 0; i < events; i++)
        {
            if (generator.EventAt(i) is not Bid bid)
            {
                continue;
            }

            var timestamp = bid.DateTime.ToUnixTimeMilliseconds();
            for (var start = timestamp - (timestamp % HotSlideMs); start > timestamp - HotWindowMs; start -= HotSlideMs)
            {
                if (!open.TryGetValue(start, out var window))
                {
                    open[start] = window = new HotWindow();
                }

                window.Add(bid.Auction);
            }

            if (timestamp > maxTimestamp)
            {
                maxTimestamp = timestamp;
                var watermark = maxTimestamp - OutOfOrdernessMs - 1;
                while (open.Count > 0 && open.First() is var (first, window) && first + HotWindowMs - 1 <= watermark)
                {
                    open.Remove(first);
                    window.Emit(first, sink);
                }
            }
        }

        foreach (var (start, window) in open)
        {
            window.Emit(start, sink);
        }
    }

    // The highest bid per window, windows emitted once the watermark (newest time − 4 s) has passed their end.
    private static void RunQuery7(NexmarkGenerator generator, long events, Blackhole sink)
    {
        var open = new SortedDictionary<long, Bid>();
        var maxTimestamp = long.MinValue;
        for (long i = 0; i < events; i++)
        {
            if (generator.EventAt(i) is not Bid bid)
            {
                continue;
            }

            var timestamp = bid.DateTime.ToUnixTimeMilliseconds();
            var start = timestamp - (timestamp % WindowMs);
            if (!open.TryGetValue(start, out var best) || BidOrder.Compare(bid, best) > 0)
            {
                open[start] = bid;
            }

            if (timestamp > maxTimestamp)
            {
                maxTimestamp = timestamp;
                var watermark = maxTimestamp - OutOfOrdernessMs - 1;
                while (open.Count > 0 && open.First() is var (first, highest) && first + WindowMs - 1 <= watermark)
                {
                    open.Remove(first);
                    sink.Take(new HighestBid(DateTimeOffset.FromUnixTimeMilliseconds(first), DateTimeOffset.FromUnixTimeMilliseconds(first + WindowMs), highest));
                }
            }
        }

        foreach (var (start, highest) in open)
        {
            sink.Take(new HighestBid(DateTimeOffset.FromUnixTimeMilliseconds(start), DateTimeOffset.FromUnixTimeMilliseconds(start + WindowMs), highest));
        }
    }

    /// <summary>q5's counts per auction in one open window, and the highest.</summary>
    private sealed class HotWindow
    {
        private readonly Dictionary<long, long> _counts = [];
        private long _max;

        public void Add(long auction)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_counts, auction, out _);
            _max = Math.Max(_max, ++count);
        }

        public void Emit(long start, Blackhole sink)
        {
            var windowStart = DateTimeOffset.FromUnixTimeMilliseconds(start);
            foreach (var auction in _counts.Where(c => c.Value == _max).Select(c => c.Key).Order())
            {
                sink.Take(new HotItem(windowStart, windowStart.AddMilliseconds(HotWindowMs), auction, _max));
            }
        }
    }

    /// <summary>Consumes outputs so that the compiler cannot drop the work that made them.</summary>
    private sealed class Blackhole
    {
        private object? _last;

        public long Count { get; private set; }

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Take(object value)
        {
            _last = value;
            Count++;
        }

        public override string ToString() => $"{Count} outputs, last {_last}";
    }
}
