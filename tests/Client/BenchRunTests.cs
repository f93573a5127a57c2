using System.Text.Json;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// <c>client bench</c> end to end on a small input: it starts its own Azurite (or uses <c>AZURITE_CONN</c>) and
/// silo, runs the queries and ingest, and writes the JSON whose field names users' scripts read. Speed is not
/// asserted (the benchmark measures it); that every entry is there, finished, and self-consistent is.
/// </summary>
public sealed class BenchRunTests
{
    private static readonly string[] DocumentedFields =
        ["query", "checkpointing", "events", "wall_s", "cpu_s", "events_per_cpu_s", "flink_events_per_core", "checkpoints_completed",
         "checkpoint_p50_ms", "checkpoint_p99_ms", "peak_rss_mb", "baseline_events_per_s"];

    [Fact]
    public async Task A_small_bench_run_writes_every_query_and_mode_with_the_documented_fields()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await ClientCommandLineRun.RunAsync(
                ["bench", "--queries", "q0,q7,ingest", "--events", "300000", "--ingest-events", "20000", "--parallelism", "2", "--out", path],
                (_, _) => throw new InvalidOperationException("bench connects to the silo it starts itself"));

            Assert.True(run.ExitCode == 0, $"bench exited {run.ExitCode}: {run.Error}");
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            var results = report.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(
                ["q0 off", "q0 exactly-once", "q7 off", "q7 exactly-once", "ingest off", "ingest exactly-once"],
                results.Select(r => $"{r.GetProperty("query").GetString()} {r.GetProperty("checkpointing").GetString()}"));
            foreach (var result in results)
            {
                Assert.All(DocumentedFields, field => Assert.True(result.TryGetProperty(field, out _), $"no field {field}"));
                Assert.Equal("finished", result.GetProperty("status").GetString());
                var query = result.GetProperty("query").GetString();
                var events = result.GetProperty("events").GetInt64();
                Assert.Equal(query == "ingest" ? 20_000 : 300_000, events);
                var cpu = result.GetProperty("cpu_s").GetDouble();
                Assert.True(cpu > 0 && result.GetProperty("wall_s").GetDouble() > 0 && result.GetProperty("peak_rss_mb").GetDouble() > 0);
                Assert.Equal(cpu, events / result.GetProperty("events_per_cpu_s").GetDouble(), tolerance: 0.0006); // cpu_s is rounded to 1 ms
                if (query != "ingest")
                {
                    // Flink 1.13's published events per second per core (nexmark/nexmark README).
                    Assert.Equal(query == "q0" ? 155_000 : 12_300, result.GetProperty("flink_events_per_core").GetDouble());
                    Assert.True(result.GetProperty("baseline_events_per_s").GetDouble() > 0);
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
