using System.Text.Json.Serialization;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// One event of the Nexmark auction site (a person joins, an auction opens, a bid is placed), as the
/// reference benchmark (nexmark/nexmark) defines them. The three kinds are subclasses rather than fields of one
/// wrapper, so that a query that reads bids allocates nothing to get at them.
/// </summary>
[GenerateSerializer, Immutable]
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Person), "person")]
[JsonDerivedType(typeof(Auction), "auction")]
[JsonDerivedType(typeof(Bid), "bid")]
public abstract record NexmarkEvent
{
    /// <summary>The event time.</summary>
    [JsonIgnore]
    public abstract DateTimeOffset EventTime { get; }
}

/// <summary>A person who joined the site (about 200 bytes, padded by <see cref="Extra"/>).</summary>
/// <param name="Id">The person's id (from 1000 up, in order of joining).</param>
/// <param name="Name">First and last name.</param>
/// <param name="EmailAddress">E-mail address.</param>
/// <param name="CreditCard">Card number: four groups of four digits.</param>
/// <param name="City">A US city.</param>
/// <param name="State">A US state.</param>
/// <param name="DateTime">When the person joined (event time).</param>
/// <param name="Extra">Padding to the average size.</param>
[GenerateSerializer, Immutable]
public sealed record Person(
    [property: Id(0)] long Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string EmailAddress,
    [property: Id(3)] string CreditCard,
    [property: Id(4)] string City,
    [property: Id(5)] string State,
    [property: Id(6)] DateTimeOffset DateTime,
    [property: Id(7)] string Extra) : NexmarkEvent
{
    /// <inheritdoc />
    public override DateTimeOffset EventTime => DateTime;
}

/// <summary>An auction opened by a seller (about 500 bytes, padded by <see cref="Extra"/>).</summary>
/// <param name="Id">The auction's id (from 1000 up, in order of opening).</param>
/// <param name="ItemName">The item's name.</param>
/// <param name="Description">The item's description.</param>
/// <param name="InitialBid">The starting price, in cents.</param>
/// <param name="Reserve">The reserve price, in cents.</param>
/// <param name="DateTime">When the auction opened (event time).</param>
/// <param name="Expires">When it closes.</param>
/// <param name="Seller">The id of the person selling.</param>
/// <param name="Category">The item's category (10 to 14).</param>
/// <param name="Extra">Padding to the average size.</param>
[GenerateSerializer, Immutable]
public sealed record Auction(
    [property: Id(0)] long Id,
    [property: Id(1)] string ItemName,
    [property: Id(2)] string Description,
    [property: Id(3)] long InitialBid,
    [property: Id(4)] long Reserve,
    [property: Id(5)] DateTimeOffset DateTime,
    [property: Id(6)] DateTimeOffset Expires,
    [property: Id(7)] long Seller,
    [property: Id(8)] long Category,
    [property: Id(9)] string Extra) : NexmarkEvent
{
    /// <inheritdoc />
    public override DateTimeOffset EventTime => DateTime;
}

/// <summary>A bid on an auction (about 100 bytes, padded by <see cref="Extra"/>).</summary>
/// <param name="Auction">The id of the auction bid on.</param>
/// <param name="Bidder">The id of the person bidding.</param>
/// <param name="Price">The price bid, in cents (q1 turns it into euro cents).</param>
/// <param name="Channel">Where the bid came from ("Google", "channel-17", …).</param>
/// <param name="Url">The page it was placed on.</param>
/// <param name="DateTime">When it was placed (event time).</param>
/// <param name="Extra">Padding to the average size.</param>
[GenerateSerializer, Immutable]
public sealed record Bid(
    [property: Id(0)] long Auction,
    [property: Id(1)] long Bidder,
    [property: Id(2)] long Price,
    [property: Id(3)] string Channel,
    [property: Id(4)] string Url,
    [property: Id(5)] DateTimeOffset DateTime,
    [property: Id(6)] string Extra) : NexmarkEvent
{
    /// <inheritdoc />
    public override DateTimeOffset EventTime => DateTime;
}
