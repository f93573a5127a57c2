namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>What q4 keeps of an open auction: when it is open, its category, and its highest valid price so far.</summary>
/// <param name="Start">When it opened (Unix milliseconds).</param>
/// <param name="Expires">When it closes (Unix milliseconds, included).</param>
/// <param name="Category">Its category.</param>
/// <param name="WinningPrice">The highest price bid while it was open, if any.</param>
[GenerateSerializer, Immutable]
internal sealed record OpenAuction([property: Id(0)] long Start, [property: Id(1)] long Expires, [property: Id(2)] long Category, [property: Id(3)] long? WinningPrice)
{
    /// <summary>Whether a bid placed at <paramref name="time"/> counts (<c>B.dateTime BETWEEN A.dateTime AND A.expires</c>).</summary>
    public bool Accepts(long time) => time >= Start && time <= Expires;

    /// <summary>This auction after a bid of <paramref name="price"/> at <paramref name="time"/> (the same instance if it changes nothing).</summary>
    public OpenAuction Offer(long time, long price) =>
        Accepts(time) && price > (WinningPrice ?? long.MinValue) ? this with { WinningPrice = price } : this;
}
