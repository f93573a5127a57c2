using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.Nexmark;

namespace OrleansCheckpoint.Tests.Nexmark;

/// <summary>
/// q7's plan (<see cref="Query7.HighestBids"/>) over the generated bids with their prices folded to 0, 1 or 2 and
/// placed 10 ms later (<see cref="Fold"/>): every window's maximum is shared by about a third of its bids, and bids
/// placed exactly at a window's end often equal the window's maximum — the ties and the inclusive end that real
/// prices almost never show (and at 100 events per second, the event at each multiple of 10 s is a person).
/// </summary>
/// <param name="events">How many events the generator makes.</param>
internal sealed class Query7TiesJob(long events) : IStreamJob
{
    /// <summary>A bid with its price folded to 0, 1 or 2 cents, placed 10 ms later (well within the watermark's 4 s bound).</summary>
    public static Bid Fold(Bid bid) => bid with { Price = bid.Price % 3, DateTime = bid.DateTime.AddMilliseconds(10) };

    /// <inheritdoc />
    public void Build(JobBuilder job)
    {
        var generator = new NexmarkGenerator(NexmarkQueryTests.Config);
        // Folded in the source, so that the records' event timestamps are the bids' new times.
        var bids = job.Generate(
                NexmarkQuery<HighestBid>.SourceUid,
                i => generator.EventAt(i) is Bid bid ? Fold(bid) : generator.EventAt(i),
                events,
                WatermarkStrategy<NexmarkEvent>.ForBoundedOutOfOrderness(NexmarkSettings.OutOfOrderness, e => e.EventTime))
            .FlatMap<Bid>("folded-price-bids", (e, output) =>
            {
                if (e is Bid bid)
                {
                    output.Collect(bid);
                }
            });
        Query7.HighestBids(bids).ToResultsStream(NexmarkQuery<HighestBid>.SinkUid);
    }
}
