using OrleansCheckpoint.Jobs.Nexmark;
using Xunit;

namespace OrleansCheckpoint.Tests.Nexmark;

/// <summary>The Nexmark generator against the reference model's rules (nexmark/nexmark, after Apache Beam).</summary>
public sealed class NexmarkGeneratorTests
{
    private static readonly NexmarkGenerator Generator = new(new NexmarkConfig { Seed = 3 });

    [Fact]
    public void The_random_source_draws_the_numbers_java_util_Random_draws()
    {
        // Printed by java.util.Random(42) and Random(-7) on a JDK.
        var r = new JavaRandom(42);
        Assert.Equal(-1170105035, r.NextInt());
        Assert.Equal(3, r.NextInt(10));
        Assert.Equal(9, r.NextInt(13));
        Assert.Equal(884, r.NextInt(1000));
        Assert.Equal(4, r.NextInt(16));
        Assert.Equal(-1068554554583376509L, r.NextLong());
        Assert.Equal(0.7077105889551186, r.NextDouble());
        Assert.Equal(196118093, r.NextInt(int.MaxValue - 1));
        var s = new JavaRandom(-7);
        Assert.Equal(4662, s.NextInt(10_000));
        Assert.Equal(0.9014975826916275, s.NextDouble());
        Assert.Equal(-232591881, s.NextInt());
    }

    [Fact]
    public void Every_fifty_events_are_one_person_three_auctions_and_forty_six_bids_with_consecutive_ids()
    {
        var events = Enumerable.Range(0, 50_000).Select(i => Generator.EventAt(i)).ToList();

        var persons = events.OfType<Person>().ToList();
        var auctions = events.OfType<Auction>().ToList();
        Assert.Equal(1_000, persons.Count);
        Assert.Equal(3_000, auctions.Count);
        Assert.Equal(46_000, events.OfType<Bid>().Count());
        Assert.Equal(Enumerable.Range(1000, 1_000).Select(i => (long)i), persons.Select(p => p.Id));
        Assert.Equal(Enumerable.Range(1000, 3_000).Select(i => (long)i), auctions.Select(a => a.Id));
        Assert.IsType<Person>(events[0]);
        Assert.All(events.Skip(1).Take(3), e => Assert.IsType<Auction>(e));
        Assert.All(events.Skip(4).Take(46), e => Assert.IsType<Bid>(e));
    }

    [Fact]
    public void Bids_go_mostly_to_the_hot_auction_and_come_mostly_from_the_hot_bidder_and_reference_ids_that_exist_or_are_just_ahead()
    {
        var bids = Enumerable.Range(0, 100_000).Select(i => (Index: (long)i, Event: Generator.EventAt(i))).Where(e => e.Event is Bid).ToList();

        // Hot auction: the first of the last 100 auctions (half the bids); hot bidder: the second of the last 100 people (3 in 4).
        var hotAuction = bids.Count(b => (((Bid)b.Event).Auction - NexmarkGenerator.FirstAuctionId) % 100 == 0) / (double)bids.Count;
        var hotBidder = bids.Count(b => (((Bid)b.Event).Bidder - NexmarkGenerator.FirstPersonId) % 100 == 1) / (double)bids.Count;
        Assert.InRange(hotAuction, 0.48, 0.53); // 0.5, plus random picks that land on a hot id
        Assert.InRange(hotBidder, 0.74, 0.77);
        Assert.All(bids, b =>
        {
            var bid = (Bid)b.Event;
            var auctionsSoFar = (b.Index / 50 * 3) + 3; // the bid's epoch has opened its three auctions
            Assert.InRange(bid.Auction, NexmarkGenerator.FirstAuctionId, NexmarkGenerator.FirstAuctionId + auctionsSoFar - 1 + 10);
            Assert.InRange(bid.Price, 100, 100_000_000);
        });
    }

    [Fact]
    public void Events_average_the_reference_sizes_through_their_extra_field()
    {
        var events = Enumerable.Range(0, 100_000).Select(i => Generator.EventAt(i)).ToList();

        Assert.InRange(events.OfType<Bid>().Average(b => 32 + b.Extra.Length), 95, 105);
        Assert.InRange(events.OfType<Person>().Average(p => 8 + p.Name.Length + p.EmailAddress.Length + p.CreditCard.Length + p.City.Length + p.State.Length + p.Extra.Length), 190, 210);
        Assert.InRange(events.OfType<Auction>().Average(a => 48 + a.ItemName.Length + a.Description.Length + a.Extra.Length), 475, 525);
        Assert.Matches("^[0-9]{4} [0-9]{4} [0-9]{4} [0-9]{4}$", events.OfType<Person>().First().CreditCard);
        Assert.All(events.OfType<Auction>(), a => Assert.InRange(a.Category, 10, 14));
    }

    [Fact]
    public void Event_times_advance_at_the_configured_rate_from_the_base_time()
    {
        var config = new NexmarkConfig { EventsPerSecond = 1_000, BaseTime = DateTimeOffset.FromUnixTimeMilliseconds(5_000) };
        var generator = new NexmarkGenerator(config);

        Assert.Equal(5_000, generator.EventAt(0).EventTime.ToUnixTimeMilliseconds());
        Assert.Equal(5_001, generator.EventAt(1).EventTime.ToUnixTimeMilliseconds());
        Assert.Equal(15_000, generator.EventAt(10_000).EventTime.ToUnixTimeMilliseconds());
        Assert.Equal(5_000 + 123, new NexmarkGenerator(config with { EventsPerSecond = 10_000_000 }).EventAt(1_230_000).EventTime.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void The_same_seed_gives_the_same_events_in_any_order_and_another_seed_other_events()
    {
        var again = new NexmarkGenerator(new NexmarkConfig { Seed = 3 });
        var other = new NexmarkGenerator(new NexmarkConfig { Seed = 4 });
        var indices = Enumerable.Range(0, 2_000).Select(i => (long)i).Reverse().ToList();

        Assert.Equal(indices.Select(Generator.EventAt), indices.Select(again.EventAt));
        Assert.NotEqual(indices.Select(Generator.EventAt), indices.Select(other.EventAt));
    }
}
