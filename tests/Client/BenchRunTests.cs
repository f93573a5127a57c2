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
         "checkpoint_p50_ms", "checkpoint_p99_ms", "peak_rss_mb", "baseline_events_per_s", "checkpointed_bytes_p50", "state_bytes"];

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
                if (result.GetProperty("checkpointing").GetString() == "off")
                {
                    Assert.Equal(JsonValueKind.Null, result.GetProperty("state_bytes").ValueKind);
                }
                else if (result.GetProperty("checkpoints_completed").GetInt32() > 0) // a short run may end before its first checkpoint
                {
                    AssertWrittenWithinFullSize(result);
                }
                else
                {
                    Assert.Equal(JsonValueKind.Null, result.GetProperty("checkpointed_bytes_p50").ValueKind);
                }

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

    // 40M updates (about 10 s a run on 2 cores): the updates must outlast several checkpoints (one a second), since the entry
    // reports only those triggered after the population; 3M, and in CI 10M, ended before one completed.
    [Fact]
    public async Task A_tiny_large_state_run_reports_throughput_checkpoint_sizes_restore_and_memory_with_and_without_checkpoints()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}.json");
        try
        {
            var run = await ClientCommandLineRun.RunAsync(
                ["bench", "--queries", "large-state", "--state-keys", "100000", "--change-fraction", "0.05", "--events", "40000000",
                 "--parallelism", "2", "--out", path],
                (_, _) => throw new InvalidOperationException("bench connects to the silo it starts itself"));

            Assert.True(run.ExitCode == 0, $"bench exited {run.ExitCode}: {run.Error}");
            using var report = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            var results = report.RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal(
                ["large-state off", "large-state exactly-once"],
                results.Select(r => $"{r.GetProperty("query").GetString()} {r.GetProperty("checkpointing").GetString()}"));
            foreach (var result in results)
            {
                Assert.Equal("finished", result.GetProperty("status").GetString());
                Assert.Equal(100_000 + 40_000_000, result.GetProperty("events").GetInt64()); // every key once, then the updates
                Assert.Equal(100_000, result.GetProperty("state_keys").GetInt64());
                Assert.Equal(0.05, result.GetProperty("change_fraction").GetDouble());
                var updates = result.GetProperty("updates_per_s").GetDouble();
                var changed = result.GetProperty("changed_keys_per_s").GetDouble();
                Assert.True(updates > 0 && changed > 0 && changed <= updates, $"{changed} keys changed per second of {updates} updates");
                Assert.True(result.GetProperty("events_per_s").GetDouble() > 0 && result.GetProperty("peak_rss_mb").GetDouble() > 0);
            }

            var on = results[1];
            Assert.True(on.GetProperty("checkpoints_completed").GetInt32() > 0, "no checkpoint completed after the population");
            Assert.True(on.GetProperty("checkpoint_p99_ms").GetDouble() >= on.GetProperty("checkpoint_p50_ms").GetDouble());
            AssertWrittenWithinFullSize(on);
            Assert.True(on.GetProperty("recovery_to_running_ms").GetDouble() > 0);
            Assert.True(on.GetProperty("restored_checkpoint_bytes").GetInt64() > 0);
            Assert.Equal(JsonValueKind.Null, results[0].GetProperty("recovery_to_running_ms").ValueKind);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // What a checkpoint wrote is at most the state it describes (equal for full snapshots).
    private static void AssertWrittenWithinFullSize(JsonElement result)
    {
        var written = result.GetProperty("checkpointed_bytes_p50").GetInt64();
        var state = result.GetProperty("state_bytes").GetInt64();
        Assert.True(written > 0 && state > 0 && written <= state, $"checkpointed_bytes_p50 {written}, state_bytes {state}");
    }
}
