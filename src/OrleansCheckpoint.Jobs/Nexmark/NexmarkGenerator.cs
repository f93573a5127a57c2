using System.Globalization;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// The Nexmark event generator, following the reference (nexmark/nexmark's <c>NexmarkGenerator</c>, after Apache
/// Beam's): event number <c>n</c> is a person, an auction or a bid by <c>n mod 50</c> (1 : 3 : 46); ids follow the
/// reference's scheme (the last person/auction generated so far, with a lead for ids from "the future"); bids go
/// mostly to the hot auction and come mostly from the hot bidder, auctions mostly from the hot seller; prices are
/// log-uniform from $1 to $1,000,000; strings pad each kind to its average size; the event time advances at the
/// configured rate. Each event is drawn from a <c>java.util.Random</c> seeded with its id (and the seed), so any
/// event can be generated on its own, in any order, by any partition: <see cref="EventAt"/> is a pure function.
/// Thread-safe.
/// </summary>
public sealed class NexmarkGenerator
{
    /// <summary>The id of the first person.</summary>
    public const long FirstPersonId = 1000;

    /// <summary>The id of the first auction.</summary>
    public const long FirstAuctionId = 1000;

    /// <summary>The first category.</summary>
    public const long FirstCategoryId = 10;

    private const int PersonIdLead = 10;
    private const int AuctionIdLead = 10;
    private const int HotSellerRatio = 100;
    private const int HotAuctionRatio = 100;
    private const int HotBidderRatio = 100;
    private const int HotChannelsRatio = 2;
    private const int ChannelsNumber = 10_000;
    private const int NumCategories = 5;
    private const int MinStringLength = 3;

    private static readonly string[] UsStates = ["AZ", "CA", "ID", "OR", "WA", "WY"];
    private static readonly string[] UsCities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
    private static readonly string[] FirstNames = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
    private static readonly string[] LastNames = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
    private static readonly string[] HotChannels = ["Google", "Facebook", "Baidu", "Apple"];

    private readonly long _baseTimeMs;
    private readonly long _seedMix;
    private readonly string[] _hotUrls;
    private readonly (string Channel, string Url)[] _channels;

    /// <summary>Creates a generator for <paramref name="config"/> (the default configuration if null).</summary>
    public NexmarkGenerator(NexmarkConfig? config = null)
    {
        Config = config ?? new NexmarkConfig();
        if (Config.EventsPerSecond <= 0 || Config.TotalProportion <= 0 || Config.NumActivePeople <= 0 || Config.NumInFlightAuctions <= 0)
        {
            throw new ArgumentException("The Nexmark configuration needs a positive rate, proportions, active people and auctions in flight.", nameof(config));
        }

        _baseTimeMs = Config.BaseTime.ToUnixTimeMilliseconds();
        _seedMix = unchecked(Config.Seed * (long)0x9E3779B97F4A7C15);

        // The reference fills these from unseeded randoms; seeded here, so that a run is reproducible.
        var random = new JavaRandom(_seedMix ^ 0x5EED);
        _hotUrls = [.. HotChannels.Select(_ => BaseUrl(ref random))];
        _channels = new (string, string)[ChannelsNumber];
        for (var i = 0; i < ChannelsNumber; i++)
        {
            var url = BaseUrl(ref random);
            if (random.NextInt(10) > 0)
            {
                var reversed = ReverseBits(i);
                url += "&channel_id=" + (reversed == int.MinValue ? reversed : Math.Abs(reversed)).ToString(CultureInfo.InvariantCulture); // Java's Math.abs
            }

            _channels[i] = ("channel-" + i.ToString(CultureInfo.InvariantCulture), url);
        }
    }

    /// <summary>The configuration.</summary>
    public NexmarkConfig Config { get; }

    /// <summary>What kind of event number <paramref name="eventNumber"/> is.</summary>
    public NexmarkEventKind KindOf(long eventNumber)
    {
        var rem = eventNumber % Config.TotalProportion;
        return rem < Config.PersonProportion ? NexmarkEventKind.Person
            : rem < Config.PersonProportion + Config.AuctionProportion ? NexmarkEventKind.Auction
            : NexmarkEventKind.Bid;
    }

    /// <summary>The event time of event number <paramref name="eventNumber"/>, in Unix milliseconds.</summary>
    public long TimestampMsOf(long eventNumber) => _baseTimeMs + ((long)(eventNumber * Config.InterEventDelayUs) / 1000);

    /// <summary>Event number <paramref name="eventNumber"/> (0, 1, 2, …); the same number always gives the same event.</summary>
    public NexmarkEvent EventAt(long eventNumber)
    {
        var random = new JavaRandom(eventNumber ^ _seedMix);
        var timestamp = TimestampMsOf(eventNumber);
        return KindOf(eventNumber) switch
        {
            NexmarkEventKind.Person => NextPerson(eventNumber, ref random, timestamp),
            NexmarkEventKind.Auction => NextAuction(eventNumber, ref random, timestamp),
            _ => NextBid(eventNumber, ref random, timestamp),
        };
    }

    private Person NextPerson(long eventId, ref JavaRandom random, long timestamp)
    {
        var id = LastBase0PersonId(eventId) + FirstPersonId;
        var name = FirstNames[random.NextInt(FirstNames.Length)] + " " + LastNames[random.NextInt(LastNames.Length)];
        var email = NextString(ref random, 7) + "@" + NextString(ref random, 5) + ".com";
        var creditCard = string.Create(CultureInfo.InvariantCulture, $"{random.NextInt(10_000):D4} {random.NextInt(10_000):D4} {random.NextInt(10_000):D4} {random.NextInt(10_000):D4}");
        var city = UsCities[random.NextInt(UsCities.Length)];
        var state = UsStates[random.NextInt(UsStates.Length)];
        var currentSize = 8 + name.Length + email.Length + creditCard.Length + city.Length + state.Length;
        var extra = NextExtra(ref random, currentSize, Config.AvgPersonByteSize);
        return new Person(id, name, email, creditCard, city, state, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), extra);
    }

    private Auction NextAuction(long eventId, ref JavaRandom random, long timestamp)
    {
        var id = LastBase0AuctionId(eventId) + FirstAuctionId;
        long seller;
        if (random.NextInt(Config.HotSellersRatio) > 0)
        {
            seller = LastBase0PersonId(eventId) / HotSellerRatio * HotSellerRatio; // the first of the last 100 people
        }
        else
        {
            seller = NextBase0PersonId(eventId, ref random);
        }

        seller += FirstPersonId;
        var category = FirstCategoryId + random.NextInt(NumCategories);
        var initialBid = NextPrice(ref random);
        var expires = timestamp + NextAuctionLengthMs(eventId, ref random, timestamp);
        var name = NextString(ref random, 20);
        var description = NextString(ref random, 100);
        var reserve = initialBid + NextPrice(ref random);
        var currentSize = 8 + name.Length + description.Length + 8 + 8 + 8 + 8 + 8;
        var extra = NextExtra(ref random, currentSize, Config.AvgAuctionByteSize);
        return new Auction(
            id, name, description, initialBid, reserve, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), DateTimeOffset.FromUnixTimeMilliseconds(expires), seller, category, extra);
    }

    private Bid NextBid(long eventId, ref JavaRandom random, long timestamp)
    {
        long auction;
        if (random.NextInt(Config.HotAuctionRatio) > 0)
        {
            auction = LastBase0AuctionId(eventId) / HotAuctionRatio * HotAuctionRatio; // the first of the last 100 auctions
        }
        else
        {
            auction = NextBase0AuctionId(eventId, ref random);
        }

        auction += FirstAuctionId;
        long bidder;
        if (random.NextInt(Config.HotBiddersRatio) > 0)
        {
            bidder = (LastBase0PersonId(eventId) / HotBidderRatio * HotBidderRatio) + 1; // the second of the last 100 people (not the hot seller)
        }
        else
        {
            bidder = NextBase0PersonId(eventId, ref random);
        }

        bidder += FirstPersonId; // once (the reference adds it a second time after choosing the channel, a slip we do not copy)
        var price = NextPrice(ref random);
        string channel, url;
        if (random.NextInt(HotChannelsRatio) > 0)
        {
            var i = random.NextInt(HotChannels.Length);
            (channel, url) = (HotChannels[i], _hotUrls[i]);
        }
        else
        {
            (channel, url) = _channels[random.NextInt(ChannelsNumber)];
        }

        var extra = NextExtra(ref random, 8 + 8 + 8 + 8, Config.AvgBidByteSize);
        return new Bid(auction, bidder, price, channel, url, DateTimeOffset.FromUnixTimeMilliseconds(timestamp), extra);
    }

    /// <summary>The base-0 id of the last person generated at or before event <paramref name="eventId"/>.</summary>
    private long LastBase0PersonId(long eventId)
    {
        var epoch = eventId / Config.TotalProportion;
        var offset = eventId % Config.TotalProportion;
        if (offset >= Config.PersonProportion)
        {
            offset = Config.PersonProportion - 1; // an auction or a bid: the last person of this epoch
        }

        return (epoch * Config.PersonProportion) + offset;
    }

    /// <summary>The base-0 id of the last auction generated at or before event <paramref name="eventId"/>.</summary>
    private long LastBase0AuctionId(long eventId)
    {
        var epoch = eventId / Config.TotalProportion;
        var offset = eventId % Config.TotalProportion;
        if (offset < Config.PersonProportion)
        {
            epoch--; // a person: the last auction of the previous epoch
            offset = Config.AuctionProportion - 1;
        }
        else if (offset >= Config.PersonProportion + Config.AuctionProportion)
        {
            offset = Config.AuctionProportion - 1; // a bid: the last auction of this epoch
        }
        else
        {
            offset -= Config.PersonProportion;
        }

        return (epoch * Config.AuctionProportion) + offset;
    }

    /// <summary>A random active person, or one of a few "leads" not yet generated.</summary>
    private long NextBase0PersonId(long eventId, ref JavaRandom random)
    {
        var numPeople = LastBase0PersonId(eventId) + 1;
        var activePeople = Math.Min(numPeople, Config.NumActivePeople);
        var n = NextLong(ref random, activePeople + PersonIdLead);
        return numPeople - activePeople + n;
    }

    /// <summary>A random auction likely still in flight, or one of a few "leads".</summary>
    private long NextBase0AuctionId(long eventId, ref JavaRandom random)
    {
        var maxAuction = LastBase0AuctionId(eventId);
        var minAuction = Math.Max(maxAuction - Config.NumInFlightAuctions, 0);
        return minAuction + NextLong(ref random, maxAuction - minAuction + 1 + AuctionIdLead);
    }

    /// <summary>An auction length averaging the time until <see cref="NexmarkConfig.NumInFlightAuctions"/> more auctions are generated.</summary>
    private long NextAuctionLengthMs(long eventNumber, ref JavaRandom random, long timestamp)
    {
        var numEventsForAuctions = (long)Config.NumInFlightAuctions * Config.TotalProportion / Config.AuctionProportion;
        var horizonMs = TimestampMsOf(eventNumber + numEventsForAuctions) - timestamp;
        return 1L + NextLong(ref random, Math.Max(horizonMs * 2, 1L));
    }

    /// <summary>A price in cents, log-uniform between $1 and $1,000,000.</summary>
    private static long NextPrice(ref JavaRandom random) => (long)Math.Floor((Math.Pow(10.0, random.NextDouble() * 6.0) * 100.0) + 0.5);

    private static long NextLong(ref JavaRandom random, long n) =>
        n < int.MaxValue ? random.NextInt((int)n) : Math.Abs(random.NextLong() % n);

    /// <summary>3 to <paramref name="maxLength"/> − 1 letters, with <paramref name="special"/> now and then; trimmed.</summary>
    private static string NextString(ref JavaRandom random, int maxLength, char special = ' ')
    {
        var length = MinStringLength + random.NextInt(maxLength - MinStringLength);
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = random.NextInt(13) == 0 ? special : (char)('a' + random.NextInt(26));
        }

        return new string(special == ' ' ? chars.Trim(' ') : chars);
    }

    /// <summary>Exactly <paramref name="length"/> characters, six from each random int.</summary>
    private static string NextExactString(ref JavaRandom random, int length)
    {
        if (length <= 0)
        {
            return string.Empty;
        }

        Span<char> chars = length <= 1024 ? stackalloc char[length] : new char[length];
        var rnd = 0;
        var n = 0;
        for (var i = 0; i < length; i++)
        {
            if (n == 0)
            {
                rnd = random.NextInt();
                n = 6;
            }

            chars[i] = (char)('a' + (rnd % 26));
            rnd /= 26;
            n--;
        }

        return new string(chars);
    }

    /// <summary>Padding that brings a record of <paramref name="currentSize"/> to <paramref name="desiredAverageSize"/> on average (±20%).</summary>
    private static string NextExtra(ref JavaRandom random, int currentSize, int desiredAverageSize)
    {
        if (currentSize > desiredAverageSize)
        {
            return string.Empty;
        }

        desiredAverageSize -= currentSize;
        var delta = (int)Math.Floor((desiredAverageSize * 0.2) + 0.5);
        var minSize = desiredAverageSize - delta;
        var desiredSize = minSize + (delta == 0 ? 0 : random.NextInt(2 * delta));
        return NextExactString(ref random, desiredSize);
    }

    private static string BaseUrl(ref JavaRandom random) =>
        "https://www.nexmark.com/" + NextString(ref random, 5, '_') + '/' + NextString(ref random, 5, '_') + '/' + NextString(ref random, 5, '_') + '/' + "item.htm?query=1";

    private static int ReverseBits(int value)
    {
        var v = (uint)value;
        uint r = 0;
        for (var i = 0; i < 32; i++, v >>= 1)
        {
            r = (r << 1) | (v & 1);
        }

        return (int)r;
    }
}

/// <summary>The kinds of Nexmark event.</summary>
public enum NexmarkEventKind
{
    /// <summary>A person joins.</summary>
    Person,

    /// <summary>An auction opens.</summary>
    Auction,

    /// <summary>A bid is placed.</summary>
    Bid,
}
