using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Tests.Client;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// The offline inspector reads the request counter's retained checkpoints after the job stopped: each endpoint's total,
/// its open event-time window and the window's timer are what the requests pushed before each checkpoint make them —
/// counted here from the pushed requests, not from anything the job emitted — and reading changes no blob.
/// </summary>
[Collection(InspectClusterCollection.Name)]
public sealed partial class SnapshotInspectTests(InspectClusterFixture fixture)
{
    private const string Job = InspectClusterFixture.RequestCounter;
    private const long WindowMs = 10_000;

    /// <summary>Checkpoints only when a test asks for one; every one of them retained.</summary>
    internal static readonly CheckpointSettings ByHand = new() { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 10 };

    [Fact]
    public async Task A_retained_checkpoint_of_a_stopped_job_holds_each_endpoints_total_open_window_and_timer_as_pushed_before_it()
    {
        await using var driver = new JobDriver(fixture.Client, Job);
        await driver.StartAsync(2, ByHand);

        // Event times 1–7 s after a window's start: with 2 s of out-of-orderness no watermark closes that window.
        var first = Requests(seed: 1, count: 2_000, fromMs: 1_000, toMs: 7_000);
        await driver.PushAsync(first.Select(RequestGenerator.ToJsonLine));
        await LiveTotalsAsync(driver, first); // every request went through the sources: the next barrier follows them
        var firstCheckpoint = await CheckpointTests.CheckpointByHandAsync(driver);

        // 20 s later: the first window closes, a second opens. Its results committed, a checkpoint after them holds only the second.
        var second = Requests(seed: 2, count: 2_000, fromMs: 21_000, toMs: 27_000);
        await driver.PushAsync(second.Select(RequestGenerator.ToJsonLine));
        List<Request> all = [.. first, .. second];
        await LiveTotalsAsync(driver, all);
        var firstWindows = Windows(first).Count;
        await Eventually.TrueAsync(
            async () => await CheckpointTests.CheckpointByHandAsync(driver) > 0 && driver.Results.Count >= firstWindows,
            "the first windows' results to be committed");
        var secondCheckpoint = await CheckpointTests.CheckpointByHandAsync(driver);
        await driver.Manager.StopAsync(drain: false);
        var stopped = await driver.Manager.GetInfoAsync();
        var blobs = await BlobsAsync();

        var inspector = fixture.Client.GetGrain<ISnapshotInspectorGrain>(Job);
        await AssertStateAsync(inspector, firstCheckpoint, totals: first, openWindows: first);
        await AssertStateAsync(inspector, secondCheckpoint, totals: all, openWindows: second);

        Assert.Equal(blobs, await BlobsAsync()); // nothing written, deleted or rewritten
        var after = await driver.Manager.GetInfoAsync();
        Assert.Equal(
            (JobStatus.Stopped, stopped.LastCompletedCheckpoint, stopped.Generation),
            (after.Status, after.LastCompletedCheckpoint, after.Generation));

        // Started again, the job resumes from the checkpoint read above, as it was; it can be read while the job runs too.
        Assert.Equal(secondCheckpoint, (await driver.StartAsync(2, ByHand)).LastCompletedCheckpoint);
        await LiveTotalsAsync(driver, all);
        await AssertStateAsync(inspector, secondCheckpoint, totals: all, openWindows: second);
    }

    [Fact]
    public async Task The_command_line_prints_the_summary_as_a_table_or_one_json_object_and_one_keys_entries_as_json_lines()
    {
        const string job = InspectClusterFixture.Errors;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, ByHand);
        var requests = Requests(seed: 3, count: 1_500, fromMs: 1_000, toMs: 7_000);
        await driver.PushAsync(requests.Select(RequestGenerator.ToJsonLine));
        await LiveTotalsAsync(driver, requests);
        var id = await CheckpointTests.CheckpointByHandAsync(driver);
        var handles = (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == id).Instances;
        await driver.Manager.StopAsync(drain: false);
        var id_ = id.ToString(CultureInfo.InvariantCulture);

        var json = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", job, id_, "--json");
        var table = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", job, id_);
        var cart = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", job, id_, "--operator", "endpoint-totals", "--key", "/api/cart");
        var nobody = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", job, id_, "--operator", "endpoint-totals", "--key", "/nowhere");
        var keyAlone = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", job, id_, "--key", "/api/cart");

        Assert.True(json.ExitCode == 0, json.Error);
        var summary = JsonDocument.Parse(json.Json).RootElement;
        Assert.Equal(id, summary.GetProperty("id").GetInt64());
        var instances = summary.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(handles.Select(h => h.Task.GrainKey).Order(), instances.Select(i => i.GetProperty("task").GetString()).Order());
        Assert.Equal(handles.Sum(h => h.SizeBytes), summary.GetProperty("sizeBytes").GetInt64());
        var operators = instances.SelectMany(i => i.GetProperty("operators").EnumerateArray()).ToList();
        var offsets = operators.Where(o => o.GetProperty("uid").GetString() == "requests")
            .Select(o => long.Parse(Offset().Match(o.GetProperty("description").GetString()!).Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(requests.Count, offsets.Sum()); // the sources' positions: every pushed request, once
        var totals = operators.Where(o => o.GetProperty("uid").GetString() == "endpoint-totals")
            .SelectMany(o => o.GetProperty("tables").EnumerateArray()).ToList();
        Assert.Equal(requests.Select(r => r.Endpoint).Distinct().Count(), totals.Sum(t => t.GetProperty("entries").GetInt64()));
        Assert.All(totals, t => Assert.Equal("accumulators", t.GetProperty("name").GetString()));

        Assert.True(table.ExitCode == 0, table.Error);
        Assert.Contains($"checkpoint {id} of job {job}", table.Out);
        Assert.All(
            new[] { "instance", "format", "operator", "state", "entries", "key groups", "endpoint-totals", "accumulators", "windows", "timers", "offset " },
            text => Assert.True(table.Out.Contains(text, StringComparison.Ordinal), $"no '{text}' in:{Environment.NewLine}{table.Out}"));

        Assert.True(cart.ExitCode == 0, cart.Error);
        var line = JsonDocument.Parse(Assert.Single(cart.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        var expected = requests.Count(r => r.Endpoint == "/api/cart");
        Assert.Equal(
            ("/api/cart", "accumulators", expected, expected),
            (line.GetProperty("key").GetString(), line.GetProperty("state").GetString(), line.GetProperty("value").GetInt64(), line.GetProperty("result").GetInt64()));
        AssertPlacement("/api/cart", line.GetProperty("keyGroup").GetInt32(), line.GetProperty("instance").GetString()!, job, "endpoint-totals");

        Assert.True(nobody.ExitCode == 0, nobody.Error);
        Assert.Equal(string.Empty, nobody.Out);
        Assert.Contains("no state of key '/nowhere'", nobody.Error);
        Assert.Equal(1, keyAlone.ExitCode); // a usage error, refused before connecting
        Assert.Contains("error: --key needs --operator", keyAlone.Error);
    }

    /// <summary>
    /// The state of <paramref name="checkpoint"/>: each endpoint's total over <paramref name="totals"/>, each window of
    /// <paramref name="openWindows"/> with its count and its timer.
    /// </summary>
    private async Task AssertStateAsync(ISnapshotInspectorGrain inspector, long checkpoint, List<Request> totals, List<Request> openWindows)
    {
        var counts = await EntriesAsync(inspector, checkpoint, "endpoint-totals");
        Assert.All(counts, e => Assert.Equal("accumulators", e.State));
        Assert.Equal(
            totals.GroupBy(r => r.Endpoint).ToDictionary(g => g.Key, g => (long)g.Count()),
            counts.ToDictionary(KeyOf, e => long.Parse(e.ResultJson!, CultureInfo.InvariantCulture)));
        Assert.All(counts, e => AssertPlacement(KeyOf(e), e.KeyGroup, e.Instance, Job, "endpoint-totals"));

        var windows = await EntriesAsync(inspector, checkpoint, "window-counts");
        var expected = Windows(openWindows);
        Assert.Equal(
            expected.OrderBy(w => w.Key).ToList(),
            windows.Where(e => e.State == "windows").Select(e => (KeyOf(e), Window(e))).OrderBy(w => w.Item1).ToList());
        Assert.Equal(
            expected.Select(w => (w.Key, w.Window.Start + WindowMs - 1)).Order().ToList(),
            windows.Where(e => e.State == "timers").Select(e => (KeyOf(e), ProcessStateInspectTests.Time(e))).Order().ToList());
        Assert.All(windows, e => AssertPlacement(KeyOf(e), e.KeyGroup, e.Instance, Job, "window-counts"));
    }

    /// <summary>A key's entry is in its key group, held by the instance that owns that group.</summary>
    private void AssertPlacement(string key, int keyGroup, string instance, string job, string chain)
    {
        var options = fixture.SiloService<IOptions<OrleansCheckpointOptions>>().Value;
        Assert.Equal(KeyGroups.Of(StableKeyHash.Of(key), options.MaxParallelism), keyGroup);
        Assert.Equal($"{job}/{chain}/{KeyGroups.PartitionOf(keyGroup, options.MaxParallelism, 2)}", instance);
    }

    internal static async Task<List<StateEntry>> EntriesAsync(ISnapshotInspectorGrain inspector, long checkpoint, string uid, string? key = null)
    {
        var entries = new List<StateEntry>();
        await foreach (var entry in inspector.ReadEntriesAsync(checkpoint, uid, key))
        {
            entries.Add(entry);
        }

        return entries;
    }

    internal static string KeyOf(StateEntry entry) => JsonSerializer.Deserialize<string>(entry.KeyJson!)!;

    private static (long Start, long End, long Count) Window(StateEntry entry)
    {
        var value = JsonDocument.Parse(entry.ValueJson!).RootElement;
        Assert.Equal(value.GetProperty("accumulator").GetInt64(), long.Parse(entry.ResultJson!, CultureInfo.InvariantCulture));
        return (value.GetProperty("start").GetInt64(), value.GetProperty("end").GetInt64(), value.GetProperty("accumulator").GetInt64());
    }

    /// <summary>The 10 s tumbling windows of <paramref name="requests"/> per endpoint, with their counts.</summary>
    private static List<(string Key, (long Start, long End, long Count) Window)> Windows(List<Request> requests) =>
        [.. requests.GroupBy(r => (r.Endpoint, Start: r.Timestamp.ToUnixTimeMilliseconds() / WindowMs * WindowMs))
            .Select(g => (g.Key.Endpoint, (g.Key.Start, g.Key.Start + WindowMs, (long)g.Count())))];

    /// <summary>Requests to the shipped endpoints (skewed as the demo's), at event times between the given offsets from a window's start.</summary>
    internal static List<Request> Requests(int seed, int count, long fromMs, long toMs)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new Request(
            RequestGenerator.Endpoints[Math.Min(random.Next(RequestGenerator.Endpoints.Count * 2), random.Next(RequestGenerator.Endpoints.Count))],
            $"u{random.Next(100)}",
            RequestGenerator.Start.AddMilliseconds(random.NextInt64(fromMs, toMs))))];
    }

    /// <summary>Waits until every endpoint's live total counts <paramref name="requests"/>.</summary>
    internal static Task LiveTotalsAsync(JobDriver driver, List<Request> requests) => Eventually.TrueAsync(
        async () =>
        {
            foreach (var group in requests.GroupBy(r => r.Endpoint))
            {
                if ((await driver.Manager.QueryAsync(group.Key, live: true)).ValueJson != group.Count().ToString(CultureInfo.InvariantCulture))
                {
                    return false;
                }
            }

            return true;
        },
        "every endpoint's live total to count its pushed requests");

    /// <summary>Every blob of the checkpoints container with its ETag.</summary>
    private async Task<List<string>> BlobsAsync()
    {
        var blobs = new List<string>();
        await foreach (var blob in fixture.Container(fixture.CheckpointsContainer).GetBlobsAsync())
        {
            blobs.Add($"{blob.Name} {blob.Properties.ETag}");
        }

        return blobs;
    }

    [GeneratedRegex(@"^offset (\d+),")]
    private static partial Regex Offset();
}
