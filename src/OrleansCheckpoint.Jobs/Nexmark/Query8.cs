using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q8, monitor new users: the persons who joined and opened an auction in the same 10-second tumbling window of
/// event time (Flink's SQL groups persons and auctions into the windows separately and joins them on
/// <c>P.id = A.seller</c> and the window). Over the one event stream: persons and auctions keyed by person id and
/// seller, into 10-second windows whose accumulator (<see cref="NewSellerWindow"/>) notes the person's name and
/// whether an auction was seen; a window where both were seen gives its person once, however many auctions
/// they opened in it.
/// </summary>
public sealed class Query8(NexmarkSettings settings) : NexmarkQuery<NewSeller>(settings)
{
    /// <summary>The window length.</summary>
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    protected override DataStream<NewSeller> Query(DataStream<NexmarkEvent> events) =>
        events
            .Filter("persons-and-auctions", e => e is not Bid)
            .KeyBy(e => e is Person p ? p.Id : ((Auction)e).Seller)
            .Window(TumblingEventTimeWindows.Of(WindowSize))
            .Aggregate("person-and-auctions-per-window", new NewSellerActivity())
            .Filter("joined-and-sold", w => w.Value is { Name: not null, OpenedAuction: true })
            .Map("new-seller", w => new NewSeller(w.Key, w.Value.Name!, w.Start));

    /// <summary>Notes, per person and window, the person's name if they joined in it and whether they opened an auction in it.</summary>
    internal sealed class NewSellerActivity : IAggregateFunction<NexmarkEvent, NewSellerWindow, NewSellerWindow>
    {
        public NewSellerWindow CreateAccumulator() => default;

        public NewSellerWindow Add(NexmarkEvent value, NewSellerWindow accumulator) =>
            value is Person person ? accumulator with { Name = person.Name } : accumulator with { OpenedAuction = true };

        public NewSellerWindow GetResult(NewSellerWindow accumulator) => accumulator;
    }
}

/// <summary>A person who joined and opened an auction in the same window (q8's output).</summary>
/// <param name="Id">The person's id.</param>
/// <param name="Name">Their name.</param>
/// <param name="WindowStart">The start of the window.</param>
[GenerateSerializer, Immutable]
public sealed record NewSeller([property: Id(0)] long Id, [property: Id(1)] string Name, [property: Id(2)] DateTimeOffset WindowStart);

/// <summary>One person's window in q8: their name if they joined in it, and whether they opened an auction in it.</summary>
/// <param name="Name">The name, if the person joined in the window.</param>
/// <param name="OpenedAuction">Whether they opened an auction in the window.</param>
[GenerateSerializer, Immutable]
internal readonly record struct NewSellerWindow([property: Id(0)] string? Name, [property: Id(1)] bool OpenedAuction);
