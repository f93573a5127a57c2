using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Jobs.RequestCounter;

/// <summary>
/// The demo job, registered as <c>request-counter</c>: counts requests per endpoint in 10-second event-time
/// tumbling windows (published on the results stream as each checkpoint commits them), and keeps a running
/// total per endpoint in a result table that <c>client query request-counter &lt;endpoint&gt;</c> reads
/// (committed values; <c>--live</c> reads the operator's current state).
/// </summary>
public sealed class RequestCounterJob : IStreamJob
{
    /// <summary>The name the job is registered under.</summary>
    public const string Name = "request-counter";

    /// <summary>The length of a counting window.</summary>
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(10);

    /// <summary>How far out of order requests may arrive before they are late.</summary>
    public static readonly TimeSpan OutOfOrderness = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public void Build(JobBuilder job)
    {
        var requests = job.Source(
            "requests",
            JsonLines.Parser<Request>(),
            WatermarkStrategy<Request>.ForBoundedOutOfOrderness(OutOfOrderness, r => r.Timestamp));

        var byEndpoint = requests.KeyBy(r => r.Endpoint);

        byEndpoint
            .Window(TumblingEventTimeWindows.Of(WindowSize))
            .Count("window-counts")
            .ToResultsStream("window-results");

        // Live totals are queryable (`client query --live`); committed ones go to the result table with each checkpoint.
        byEndpoint.Count("endpoint-totals", queryable: true).ToResultTable("endpoint-table");
    }
}
