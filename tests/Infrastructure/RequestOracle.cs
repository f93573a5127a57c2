using OrleansCheckpoint.Jobs.RequestCounter;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// What the request-counter job must output for a list of requests, computed here with plain LINQ over the
/// requests alone (independently of the job's code): the count per endpoint and per endpoint and 10-second window.
/// </summary>
public static class RequestOracle
{
    public static Dictionary<string, long> Totals(IEnumerable<Request> requests) =>
        requests.GroupBy(r => r.Endpoint).ToDictionary(g => g.Key, g => (long)g.Count());

    public static Dictionary<(string Endpoint, DateTimeOffset Start), long> Windows(IEnumerable<Request> requests) =>
        requests.GroupBy(r => (r.Endpoint, WindowStart(r.Timestamp))).ToDictionary(g => g.Key, g => (long)g.Count());

    private static DateTimeOffset WindowStart(DateTimeOffset timestamp)
    {
        var ms = timestamp.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(ms - (ms % (long)RequestCounterJob.WindowSize.TotalMilliseconds));
    }
}
