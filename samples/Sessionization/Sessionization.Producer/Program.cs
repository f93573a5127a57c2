using System.Text.Json;
using OrleansCheckpoint.Client;
using OrleansCheckpoint.Messages;
using Sessionization;

// Sends seeded page views to the `sessions` job with IEventProducer, drains the job, and checks every user's committed
// sessions against sessions computed here from the same views alone (sort, split at gaps). Prints PASS or FAIL, exits 0 or 1.
// Usage: Sessionization.Producer [--gateway host:port] [--views N] [--seed S]
string Arg(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
var gateway = Arg("--gateway", "127.0.0.1:30000");
var count = int.Parse(Arg("--views", "20000"), System.Globalization.CultureInfo.InvariantCulture);
var seed = int.Parse(Arg("--seed", "7"), System.Globalization.CultureInfo.InvariantCulture);
const string Job = "sessions";

var views = PageViews.Generate(count, seed);
await using var cluster = await CheckpointClient.ConnectAsync(ConnectionSettings.ForGateways(gateway));
var started = await cluster.StartJobAsync(Job, new JobStartOptions(Parallelism: 2));
Console.WriteLine($"job '{Job}' {started.Status}, generation {started.Generation}");

await using (var producer = cluster.CreateProducer(new EventProducerOptions { ProducerId = $"sessions-sample-{seed}", BatchSize = 500 }))
{
    foreach (var view in views)
    {
        await producer.ProduceAsync(Job, view); // waits while the job is busy
    }

    await producer.FlushAsync(); // every view is acknowledged: durable in the job's log, counted once
    Console.WriteLine($"produced {producer.Statistics.Accepted} views in {producer.Statistics.Batches} batches");
}

await cluster.StopJobAsync(Job, drain: true); // every open session closes at the end of the input
var deadline = DateTime.UtcNow.AddMinutes(2);
while ((await cluster.GetJobAsync(Job)).Status != JobStatus.Finished && DateTime.UtcNow < deadline)
{
    await Task.Delay(200);
}

var failures = new List<string>();
foreach (var (user, expected) in PageViews.ExpectedSessions(views, SessionizationJob.Gap))
{
    var committed = (await cluster.QueryAsync(Job, user)).ValueJson is { } json
        ? JsonSerializer.Deserialize<UserSessions>(json, JsonSerializerOptions.Web)
        : null;
    if (committed != expected)
    {
        failures.Add($"{user}: expected {expected}, committed {committed?.ToString() ?? "nothing"}");
    }
}

Console.WriteLine(failures.Count == 0 ? "PASS: every user's sessions as computed from the views" : $"FAIL: {string.Join("; ", failures)}");
return failures.Count == 0 ? 0 : 1;

/// <summary>The sample's input and its expectation, computed from the views alone.</summary>
internal static class PageViews
{
    /// <summary>
    /// <paramref name="count"/> views of 12 users, one every second on average (a user's every 12 s, so many of their gaps are
    /// near the 30 s that ends a session), up to 4 s out of order (so a view may bridge two sessions), with pauses that end them all.
    /// </summary>
    public static List<PageView> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var start = DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var views = new List<PageView>(count);
        var clock = start;
        for (var i = 0; i < count; i++)
        {
            clock += random.Next(0, 2_000);
            var user = $"user-{random.Next(12)}";
            var idle = random.Next(1000) == 0 ? 60_000 : 0; // now and then everyone pauses for a minute
            clock += idle;
            views.Add(new PageView(user, $"/page/{random.Next(50)}", clock - random.Next(0, 4_000)));
        }

        return views;
    }

    /// <summary>Every user's sessions: their views sorted by time, split where two are more than <paramref name="gap"/> apart.</summary>
    public static IEnumerable<(string User, UserSessions Sessions)> ExpectedSessions(IEnumerable<PageView> views, TimeSpan gap) =>
        views.GroupBy(v => v.User).Select(user =>
        {
            var times = user.Select(v => v.Timestamp).Order().ToList();
            var sessions = new List<(long Start, long End, int Views)>();
            foreach (var t in times)
            {
                if (sessions.Count > 0 && t - sessions[^1].End <= (long)gap.TotalMilliseconds)
                {
                    sessions[^1] = (sessions[^1].Start, t, sessions[^1].Views + 1);
                }
                else
                {
                    sessions.Add((t, t, 1));
                }
            }

            return (user.Key, new UserSessions(sessions.Count, times.Count, sessions.Max(s => s.End - s.Start)));
        });
}
