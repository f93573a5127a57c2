using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A test job that reads the Azure Queue streams of one namespace (<see cref="StreamSourceClusterFixture.Provider"/>):
/// each event is a user's name (<c>user-…</c>; anything else is rejected, to the default dead-letter location), counted
/// per user into a result table.
/// </summary>
public sealed class StreamCountJob(string streamNamespace) : IStreamJob
{
    /// <summary>The registered jobs and the namespace each reads (one per test, so tests do not share streams).</summary>
    public static readonly (string Job, string Namespace)[] Jobs =
        [("stream-count", "clicks-count"), ("stream-count-kill", "clicks-kill"), ("stream-count-stopped", "clicks-stopped"), ("stream-count-rescale", "clicks-rescale")];

    public void Build(JobBuilder job) =>
        job.FromOrleansStream("clicks", StreamSourceClusterFixture.Provider, streamNamespace, Parse)
            .Map("ones", user => new KeyedValue<string, long>(user, 1))
            .KeyBy(kv => kv.Key)
            .Reduce("counts", (a, b) => a with { Value = a.Value + b.Value })
            .Map("totals", kv => new KeyedValue<string, long>(kv.Key, kv.Value.Value))
            .ToResultTable("count-table");

    private static string Parse(string line) => line.StartsWith("user-", StringComparison.Ordinal) ? line : throw new FormatException($"'{line}' is not a user");
}
