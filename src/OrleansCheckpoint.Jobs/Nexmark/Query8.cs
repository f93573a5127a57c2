using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>
/// q8, monitor new users: the persons who joined and opened an auction in the same 10-second tumbling window of
/// event time (<c>SELECT P.id, P.name, P.starttime FROM (SELECT id, name, window_start AS starttime, window_end AS
/// endtime FROM TABLE(TUMBLE(TABLE person, …, INTERVAL '10' SECOND)) GROUP BY id, name, window_start, window_end) P
/// JOIN (SELECT seller, window_start AS starttime, window_end AS endtime FROM TABLE(TUMBLE(TABLE auction, …))
/// GROUP BY seller, window_start, window_end) A ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime =
/// A.endtime</c>). As the SQL: the persons grouped by (id, name, window) and the auctions by (seller, window), each a
/// window aggregate that emits one row per group when its window ends (timestamped with the window's last
/// millisecond); the two are window-joined on <c>id = seller</c> in the same 10-second windows, so the join's
/// windows are the groups' windows and its cross product holds one person row and one seller row: one output per
/// (person, name, window) with an auction of theirs in it, however many auctions they opened. Window state is
/// dropped when each window fires.
/// </summary>
public sealed class Query8(NexmarkSettings settings) : NexmarkQuery<NewSeller>(settings)
{
    /// <summary>The window length.</summary>
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    protected override DataStream<NewSeller> Query(DataStream<NexmarkEvent> events)
    {
        var windows = TumblingEventTimeWindows.Of(WindowSize);
        var persons = Persons(events)
            .KeyBy(p => (p.Id, p.Name))
            .Window(windows)
            .Count("persons-per-id-name-and-window");
        var sellers = Auctions(events)
            .KeyBy(a => a.Seller)
            .Window(windows)
            .Count("auctions-per-seller-and-window");
        return persons.Join(sellers)
            .Where(p => p.Key.Id)
            .EqualTo(s => s.Key)
            .Window(windows)
            .Apply("new-sellers", (p, _) => new NewSeller(p.Key.Id, p.Key.Name, p.Start));
    }
}

/// <summary>A person who joined and opened an auction in the same window (q8's output).</summary>
/// <param name="Id">The person's id.</param>
/// <param name="Name">Their name.</param>
/// <param name="WindowStart">The start of the window.</param>
[GenerateSerializer, Immutable]
public sealed record NewSeller([property: Id(0)] long Id, [property: Id(1)] string Name, [property: Id(2)] DateTimeOffset WindowStart);
