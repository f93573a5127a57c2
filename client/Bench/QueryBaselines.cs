using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OrleansCheckpoint.Jobs.Nexmark;

namespace OrleansCheckpoint.Cli.Bench;

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
            case "q3":
                RunQuery3(generator, events, sink);
                break;
            case "q4":
                RunQuery4(generator, events, sink);
                break;
            case "q5":
                RunQuery5(generator, events, sink);
                break;
            case "q7":
                RunQuery7(generator, events, sink);
                break;
            case "q8":
                RunQuery8(generator, events, sink);
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

    // The join of category-10 auctions with their sellers in OR, ID or CA: each pair once, whichever comes first.
    private static void RunQuery3(NexmarkGenerator generator, long events, Blackhole sink)
    {
        var sellers = new Dictionary<long, Person>();
        var waiting = new Dictionary<long, List<long>>();
        for (long i = 0; i < events; i++)
        {
            switch (generator.EventAt(i))
            {
                case Person person when Query3.IsSelectedState(person.State):
                    sellers[person.Id] = person;
                    if (waiting.Remove(person.Id, out var auctions))
                    {
                        foreach (var auction in auctions)
                        {
                            sink.Take(new LocalItem(person.Name, person.City, person.State, auction));
                        }
                    }

                    break;
                case Auction { Category: Query3.Category } auction:
                    if (sellers.TryGetValue(auction.Seller, out var seller))
                    {
                        sink.Take(new LocalItem(seller.Name, seller.City, seller.State, auction.Id));
                    }
                    else if (waiting.TryGetValue(auction.Seller, out var list))
                    {
                        list.Add(auction.Id);
                    }
                    else
                    {
                        waiting[auction.Seller] = [auction.Id];
                    }

                    break;
            }
        }
    }

    // Each auction's highest bid placed while it was open: each rise of it (its first valid bid included) updates its
    // category's sum and count and emits the category's new average, as the query's changelog does. An auction is
    // forgotten once the watermark (newest time - 4 s) passes its expiry. The events come in event-time order here, so
    // a bid whose auction has not come yet (or was forgotten) can never be valid, and is dropped at once.
    private static void RunQuery4(NexmarkGenerator generator, long events, Blackhole sink)
    {
        var open = new Dictionary<long, (Auction Auction, long Price)>(); // price 0: no valid bid yet (prices start at $1)
        var closing = new PriorityQueue<long, long>(); // auction ids by expiry
        var categories = new Dictionary<long, (long Total, long Count)>();
        var maxTimestamp = long.MinValue;
        for (long i = 0; i < events; i++)
        {
            var e = generator.EventAt(i);
            switch (e)
            {
                case Auction auction:
                    open[auction.Id] = (auction, 0);
                    closing.Enqueue(auction.Id, auction.Expires.ToUnixTimeMilliseconds());
                    break;
                case Bid bid when open.TryGetValue(bid.Auction, out var auction)
                    && bid.DateTime >= auction.Auction.DateTime && bid.DateTime <= auction.Auction.Expires && bid.Price > auction.Price:
                    open[bid.Auction] = (auction.Auction, bid.Price);
                    var category = auction.Auction.Category;
                    var (total, count) = categories.GetValueOrDefault(category);
                    (total, count) = (total - auction.Price + bid.Price, count + (auction.Price == 0 ? 1 : 0));
                    categories[category] = (total, count);
                    sink.Take(new CategoryPrice(category, total / count, count));
                    break;
            }

            var timestamp = e.EventTime.ToUnixTimeMilliseconds();
            if (timestamp > maxTimestamp)
            {
                maxTimestamp = timestamp;
                while (closing.TryPeek(out var id, out var expires) && expires <= maxTimestamp - OutOfOrdernessMs - 1)
                {
                    closing.Dequeue();
                    open.Remove(id);
                }
            }
        }
    }

    // The persons who opened an auction in the 10 s window they joined in, each window closed once the watermark
    // (newest time − 4 s) has passed its end.
    private static void RunQuery8(NexmarkGenerator generator, long events, Blackhole sink)
    {
        var windows = new SortedDictionary<long, Dictionary<long, (string? Name, bool OpenedAuction)>>();
        var windowMs = (long)Query8.WindowSize.TotalMilliseconds;
        var maxTimestamp = long.MinValue;
        void CloseUpTo(long watermark)
        {
            while (windows.Count > 0 && windows.First() is var (start, persons) && start + windowMs - 1 <= watermark)
            {
                windows.Remove(start);
                foreach (var (id, (name, opened)) in persons)
                {
                    if (name is not null && opened)
                    {
                        sink.Take(new NewSeller(id, name, DateTimeOffset.FromUnixTimeMilliseconds(start)));
                    }
                }
            }
        }

        for (long i = 0; i < events; i++)
        {
            var e = generator.EventAt(i);
            if (e is Bid)
            {
                continue;
            }

            var timestamp = e.EventTime.ToUnixTimeMilliseconds();
            var start = timestamp - (timestamp % windowMs);
            if (!windows.TryGetValue(start, out var persons))
            {
                windows[start] = persons = [];
            }

            var id = e is Person p ? p.Id : ((Auction)e).Seller;
            var seen = persons.GetValueOrDefault(id);
            persons[id] = e is Person person ? (person.Name, seen.OpenedAuction) : (seen.Name, true);
            if (timestamp > maxTimestamp)
            {
                maxTimestamp = timestamp;
                CloseUpTo(maxTimestamp - OutOfOrdernessMs - 1);
            }
        }

        CloseUpTo(long.MaxValue);
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

    // Every bid with its window's highest price, ties included, and each bid placed exactly at a window's end that
    // equals that window's highest (the query's condition includes window_end). A window is emitted once the watermark
    // (newest time - 4 s) has reached its end, so that the bids at its end are in.
    private static void RunQuery7(NexmarkGenerator generator, long events, Blackhole sink)
    {
        var open = new SortedDictionary<long, TopBids>();
        var maxTimestamp = long.MinValue;
        for (long i = 0; i < events; i++)
        {
            if (generator.EventAt(i) is not Bid bid)
            {
                continue;
            }

            var timestamp = bid.DateTime.ToUnixTimeMilliseconds();
            var start = timestamp - (timestamp % WindowMs);
            if (!open.TryGetValue(start, out var window))
            {
                open[start] = window = new TopBids();
            }

            window.Add(bid);
            if (timestamp == start && open.TryGetValue(start - WindowMs, out var previous))
            {
                previous.AddAtEnd(bid);
            }

            if (timestamp > maxTimestamp)
            {
                maxTimestamp = timestamp;
                var watermark = maxTimestamp - OutOfOrdernessMs - 1;
                while (open.Count > 0 && open.First() is var (first, done) && first + WindowMs <= watermark)
                {
                    open.Remove(first);
                    done.Emit(sink);
                }
            }
        }

        foreach (var window in open.Values)
        {
            window.Emit(sink);
        }
    }

    /// <summary>q7's open window: its highest price, the bids in it at that price, and the bids at its end that may equal it.</summary>
    private sealed class TopBids
    {
        private readonly List<Bid> _atMax = [];
        private readonly List<Bid> _atEnd = [];
        private long _max = long.MinValue;

        public void Add(Bid bid)
        {
            if (bid.Price > _max)
            {
                _max = bid.Price;
                _atMax.Clear();
            }

            if (bid.Price == _max)
            {
                _atMax.Add(bid);
            }
        }

        public void AddAtEnd(Bid bid)
        {
            if (bid.Price >= _max)
            {
                _atEnd.Add(bid);
            }
        }

        public void Emit(Blackhole sink)
        {
            foreach (var bid in _atMax.Concat(_atEnd.Where(b => b.Price == _max)))
            {
                sink.Take(new HighestBid(bid.Auction, bid.Bidder, bid.Price, bid.DateTime, bid.Extra));
            }
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
