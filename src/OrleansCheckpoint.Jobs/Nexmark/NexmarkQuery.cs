using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.Nexmark;

/// <summary>Where a Nexmark query's output goes.</summary>
public enum NexmarkSink
{
    /// <summary>Nowhere: the last operator's output is dropped (Flink's Nexmark uses a blackhole sink the same way).</summary>
    Discard,

    /// <summary>The job's results stream, as JSON (for tests and small runs: publishing dominates the cost).</summary>
    ResultsStream,
}

/// <summary>How a Nexmark query job runs: its generator's configuration, how many events it generates, its sink.</summary>
/// <param name="Events">The number of events (persons, auctions and bids together) the job generates before it finishes.</param>
/// <param name="Config">The generator's configuration (the reference's defaults if null).</param>
/// <param name="Sink">Where the output goes.</param>
public sealed record NexmarkSettings(long Events, NexmarkConfig? Config = null, NexmarkSink Sink = NexmarkSink.Discard)
{
    /// <summary>How far out of order events may be: the watermark trails the newest event time by this (4 s, as in the reference's DDL).</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(4);
}

/// <summary>
/// A Nexmark query as a job: the events come from an in-job generator source (<see cref="JobBuilder.Generate{T}"/>,
/// as Flink's Nexmark runs its generator inside the job), so the query runs at the engine's speed, not at the
/// speed of pushes; the job finishes by itself once every event has gone through.
/// </summary>
/// <typeparam name="TOut">The query's output record type.</typeparam>
public abstract class NexmarkQuery<TOut>(NexmarkSettings settings) : IStreamJob
{
    /// <summary>The uid of the generator source.</summary>
    public const string SourceUid = "nexmark-events";

    /// <summary>The uid of the results-stream sink, when there is one.</summary>
    public const string SinkUid = "results";

    /// <summary>How the job runs.</summary>
    public NexmarkSettings Settings { get; } = settings;

    /// <inheritdoc />
    public void Build(JobBuilder job)
    {
        var generator = new NexmarkGenerator(Settings.Config);
        var events = job.Generate(
            SourceUid,
            generator.EventAt,
            Settings.Events,
            WatermarkStrategy<NexmarkEvent>.ForBoundedOutOfOrderness(NexmarkSettings.OutOfOrderness, e => e.EventTime));
        var output = Query(events);
        if (Settings.Sink == NexmarkSink.ResultsStream)
        {
            output.ToResultsStream(SinkUid);
        }
    }

    /// <summary>The query over the stream of events.</summary>
    protected abstract DataStream<TOut> Query(DataStream<NexmarkEvent> events);

    /// <summary>The bids among the events (the reference's <c>bid</c> view).</summary>
    protected static DataStream<Bid> Bids(DataStream<NexmarkEvent> events) => OfKind<Bid>(events, "bids");

    /// <summary>The persons among the events (the reference's <c>person</c> view).</summary>
    protected static DataStream<Person> Persons(DataStream<NexmarkEvent> events) => OfKind<Person>(events, "persons");

    /// <summary>The auctions among the events (the reference's <c>auction</c> view).</summary>
    protected static DataStream<Auction> Auctions(DataStream<NexmarkEvent> events) => OfKind<Auction>(events, "auctions");

    // One operator per kind: a two-input operator must not read one upstream twice, so each side gets its own.
    private static DataStream<TKind> OfKind<TKind>(DataStream<NexmarkEvent> events, string uid)
        where TKind : NexmarkEvent =>
        events.FlatMap<TKind>(uid, (e, output) =>
        {
            if (e is TKind kind)
            {
                output.Collect(kind);
            }
        });
}
