using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Runtime.JobManagement;
using OrleansCheckpoint.Tests.Client;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Http;

/// <summary>
/// The REST API against a real silo and Kestrel: each answer is compared with what the grain API (or the CLI's
/// <c>--json</c>) reports for the same job.
/// </summary>
[Collection(HttpSiloCollection.Name)]
public sealed class HttpApiTests(HttpSiloFixture silo)
{
    [Fact]
    public async Task The_checkpoints_route_shows_the_checkpoints_the_coordinator_grain_and_the_cli_report()
    {
        const string job = "http-api";
        await silo.StartWithCheckpointsAsync(job, completed: 3);
        await silo.Client.GetGrain<IJobManagerGrain>(job).StopAsync(drain: false); // the history stops changing

        var coordinator = silo.Client.GetGrain<ICheckpointCoordinatorGrain>(job);
        var expected = (await coordinator.GetCheckpointsAsync()).Where(c => c.Status == CheckpointStatus.Completed).ToList();
        var cli = JsonDocument.Parse((await ClientCommandLineRun.RunAsync(silo.Client, "checkpoints", job, "--json")).Json).RootElement
            .EnumerateArray().Where(c => c.GetProperty("status").GetString() == "completed").ToList();
        var body = await GetJsonAsync($"/jobs/{job}/checkpoints");

        var history = body.GetProperty("history").EnumerateArray().Where(c => c.GetProperty("status").GetString() == "completed").ToList();
        Assert.Equal(expected.Select(c => c.Id), history.Select(c => c.GetProperty("id").GetInt64()));
        Assert.Equal(cli.Select(c => c.GetProperty("id").GetInt64()), history.Select(c => c.GetProperty("id").GetInt64()));
        Assert.Equal(expected.Select(c => c.DurationMs), history.Select(c => c.GetProperty("durationMs").GetDouble()));
        Assert.All( // the CLI prints durations to a tenth of a millisecond
            cli.Zip(history, (c, h) => Math.Abs(c.GetProperty("durationMs").GetDouble() - h.GetProperty("durationMs").GetDouble())),
            difference => Assert.True(difference <= 0.05 + 1e-9, $"durations differ by {difference} ms"));
        Assert.Equal(expected.Select(c => c.SizeBytes), history.Select(c => c.GetProperty("sizeBytes").GetInt64()));
        Assert.Equal(expected.Select(c => c.FullSizeBytes), history.Select(c => c.GetProperty("fullSizeBytes").GetInt64()));
        Assert.Equal(cli.Select(c => c.GetProperty("fullSizeBytes").GetInt64()), history.Select(c => c.GetProperty("fullSizeBytes").GetInt64()));

        var counts = body.GetProperty("counts");
        Assert.Equal(expected.Count, counts.GetProperty("completed").GetInt64());
        Assert.Equal(0, counts.GetProperty("inProgress").GetInt32());
        var duration = body.GetProperty("summary").GetProperty("endToEndDuration");
        Assert.Equal(expected.Min(c => c.DurationMs), duration.GetProperty("min").GetDouble());
        Assert.Equal(expected.Max(c => c.DurationMs), duration.GetProperty("max").GetDouble());
        Assert.Equal(expected.Count, duration.GetProperty("count").GetInt32());
        var summary = body.GetProperty("summary");
        Assert.Equal(expected.Max(c => c.SizeBytes), summary.GetProperty("checkpointedSize").GetProperty("max").GetDouble());
        Assert.Equal(expected.Max(c => c.FullSizeBytes), summary.GetProperty("fullSize").GetProperty("max").GetDouble());
        Assert.Equal(expected.Min(c => c.FullSizeBytes), summary.GetProperty("fullSize").GetProperty("min").GetDouble());
        Assert.Equal(expected[0].Id, body.GetProperty("latest").GetProperty("completed").GetProperty("id").GetInt64());

        // One checkpoint in detail: every instance's snapshot, as the grain has it.
        var latest = expected[0];
        var detail = await GetJsonAsync($"/jobs/{job}/checkpoints/{latest.Id}");
        var instances = detail.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(latest.Instances.Select(h => $"{h.Task.Operator}/{h.Task.Partition}"), instances.Select(i => $"{i.GetProperty("operator").GetString()}/{i.GetProperty("partition").GetInt32()}"));
        Assert.Equal(latest.Instances.Select(h => h.SizeBytes), instances.Select(i => i.GetProperty("sizeBytes").GetInt64()));
        Assert.Equal(latest.Instances.Select(h => h.FullSize()), instances.Select(i => i.GetProperty("fullSizeBytes").GetInt64()));
        Assert.Equal(latest.FullSizeBytes, detail.GetProperty("fullSizeBytes").GetInt64());
        Assert.Equal(latest.Instances.Select(h => h.AlignmentMs), instances.Select(i => i.GetProperty("alignmentMs").GetDouble()));
        Assert.All(instances, i => Assert.True(i.GetProperty("startDelayMs").GetDouble() >= 0));

        var config = await GetJsonAsync($"/jobs/{job}/checkpoints/config");
        Assert.Equal(200, config.GetProperty("intervalMs").GetDouble());
        Assert.Equal("exactly-once", config.GetProperty("mode").GetString());
        Assert.Equal("job", config.GetProperty("source").GetString());
        Assert.True(config.GetProperty("incremental").GetBoolean()); // the defaults: nothing set them for this job
        Assert.Equal(new CheckpointSettings().ConsolidateAfter, config.GetProperty("consolidateAfter").GetInt32());
    }

    [Fact]
    public async Task The_job_route_lists_the_operators_with_their_instances_as_the_job_manager_has_them()
    {
        var info = await silo.StartWithCheckpointsAsync("http-ops", completed: 1);

        var job = await GetJsonAsync("/jobs/http-ops");
        Assert.Equal("running", job.GetProperty("status").GetString());
        Assert.Equal(info.Generation, job.GetProperty("generation").GetInt64());
        Assert.Empty(job.GetProperty("skippedCheckpoints").EnumerateArray()); // no restore fell back (VerifiedRestoreTests make one)
        var operators = job.GetProperty("operators").EnumerateArray().ToList();
        Assert.Equal(info.Operators.Select(o => o.Uid), operators.Select(o => o.GetProperty("uid").GetString()));
        Assert.Equal(
            info.Operators.SelectMany(o => Enumerable.Range(0, o.Parallelism).Select(p => $"http-ops/{o.Uid}/{p}")),
            operators.SelectMany(o => o.GetProperty("instances").EnumerateArray().Select(i => i.GetString())));
        var list = await GetJsonAsync("/jobs");
        Assert.Contains(list.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("name").GetString() == "http-ops" && j.GetProperty("status").GetString() == "running");
    }

    [Fact]
    public async Task Records_pushed_show_in_the_operators_route_and_as_Flink_named_metrics_at_metrics()
    {
        const string job = "http-ops";
        await silo.StartWithCheckpointsAsync(job, completed: 1);
        var (_, lines) = RequestCounterRun.Stream(seed: 5, count: 3000);
        var accepted = await silo.PushAsync(job, lines);
        Assert.Equal(3000, accepted);

        // Every record reaches the keyed counts (forward from the source, hashed to endpoint-totals).
        JsonElement operators = default;
        await HttpSiloFixture.Until(async () =>
        {
            operators = await GetJsonAsync($"/jobs/{job}/operators");
            return Operator(operators, "endpoint-totals").GetProperty("recordsIn").GetInt64() == accepted;
        }, "endpoint-totals took in every pushed record");
        var source = Operator(operators, "requests");
        Assert.Equal(accepted, source.GetProperty("recordsIn").GetInt64());
        Assert.Equal(accepted, source.GetProperty("instances").EnumerateArray().Sum(i => i.GetProperty("recordsIn").GetInt64()));
        Assert.All(source.GetProperty("instances").EnumerateArray(), i => Assert.Equal(silo.SiloAddress, i.GetProperty("silo").GetString()));
        Assert.All(source.GetProperty("instances").EnumerateArray(), i => Assert.Equal(0, i.GetProperty("deadLetters").GetInt64())); // a pushed source refuses bad lines
        Assert.Equal(JsonValueKind.Number, Operator(operators, "endpoint-totals").GetProperty("currentInputWatermark").ValueKind);

        var completed = (await silo.Client.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointCountsAsync()).Completed;
        var metrics = await silo.Http.GetStringAsync("/metrics");
        Assert.Equal(accepted, Samples(metrics, "numRecordsIn", job, "requests").Sum());
        Assert.Equal(accepted, Samples(metrics, "numEventsAccepted", job, "requests").Sum());
        Assert.Equal([0, 0], Samples(metrics, "numDeadLetters", job, "requests")); // one gauge per source instance
        Assert.True(Samples(metrics, "numberOfCompletedCheckpoints", job).Single() >= completed);
        Assert.Single(Samples(metrics, "lastCheckpointDuration", job));
        Assert.Equal(0, Samples(metrics, "numRestarts", job).Single());
        foreach (var name in new[] { "numRecordsOut", "currentInputWatermark", "checkpointAlignmentTime", "backPressuredTimeMsPerSecond" })
        {
            Assert.Equal(2, Samples(metrics, name, job, "endpoint-totals").Count);
        }

        Assert.Contains("orleanscheckpoint_checkpoints_completed", metrics, StringComparison.Ordinal); // the first instruments' names still work
    }

    [Fact]
    public async Task A_failure_is_in_the_exceptions_route_with_its_instance_silo_and_the_checkpoint_restored()
    {
        const string job = "http-fail";
        var info = await silo.StartWithCheckpointsAsync(job, completed: 2);
        var manager = silo.Client.GetGrain<IJobManagerGrain>(job);
        var cause = $"test: instance {job}/window-counts/1 broke";
        await silo.Client.GetGrain<IJobManagerGateway>(job).ReportFailureAsync(new TaskId(job, "window-counts", 1), info.Generation, cause);
        await HttpSiloFixture.Until(async () => await manager.GetInfoAsync() is { Status: JobStatus.Running } i && i.Generation > info.Generation, "the job runs again");
        var after = await manager.GetInfoAsync();

        var entry = Assert.Single((await GetJsonAsync($"/jobs/{job}/exceptions")).GetProperty("entries").EnumerateArray());
        Assert.Equal(cause, entry.GetProperty("cause").GetString());
        Assert.Equal([$"{job}/window-counts/1"], entry.GetProperty("instances").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal([silo.SiloAddress], entry.GetProperty("silos").EnumerateArray().Select(i => i.GetString()));
        Assert.True(entry.GetProperty("restarted").GetBoolean());
        Assert.Equal(after.RestoredCheckpoint, entry.GetProperty("restoredCheckpoint").GetInt64());
        Assert.Equal(info.Generation, entry.GetProperty("generation").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, entry.GetProperty("runningAgainAt").ValueKind);

        // The history is in the job's stored state, and reads back from it (a manager on another silo would read it so).
        // The manager changes its state in memory before the write that records the restore completes: wait for that write.
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(CheckpointSiloBuilderExtensions.JobStorageName);
        var stored = await Eventually.ValueAsync(
            async () =>
            {
                var read = new GrainState<JobState>();
                await storage.ReadStateAsync("job", manager.GetGrainId(), read);
                return read;
            },
            read => read.State?.Failures is [{ RestoredCheckpoint: not null }],
            "the stored failure record with its restored checkpoint");
        var kept = Assert.Single(stored.State!.Failures);
        Assert.Equal((cause, after.RestoredCheckpoint), (kept.Cause, kept.RestoredCheckpoint));
        Assert.Equal([$"{job}/window-counts/1"], kept.Instances);

        var metrics = await silo.Http.GetStringAsync("/metrics");
        Assert.Equal(1, Samples(metrics, "numRestarts", job).Single());
        Assert.True(Samples(metrics, "restartingTime", job).Single() > 0);
        var checkpoints = await GetJsonAsync($"/jobs/{job}/checkpoints");
        Assert.Equal(after.RestoredCheckpoint, checkpoints.GetProperty("latest").GetProperty("restored").GetProperty("id").GetInt64());
        Assert.Equal(1, checkpoints.GetProperty("counts").GetProperty("restored").GetInt64());
    }

    [Theory]
    [InlineData("GET", "/jobs/no-such-job", "no-such-job")]
    [InlineData("GET", "/jobs/no-such-job/checkpoints", "no-such-job")]
    [InlineData("GET", "/jobs/no-such-job/operators", "no-such-job")]
    [InlineData("GET", "/jobs/no-such-job/exceptions", "no-such-job")]
    [InlineData("POST", "/jobs/no-such-job/stop", "no-such-job")]
    [InlineData("GET", "/jobs/http-api/checkpoints/987654", "987654")]
    [InlineData("GET", "/jobs/http-api/checkpoints/latest", "'latest'")]
    public async Task Unknown_jobs_and_checkpoints_answer_404_with_an_error_naming_them(string method, string path, string named)
    {
        using var response = await silo.Http.SendAsync(HttpSiloFixture.WithKey(new HttpMethod(method), path, method == "POST" ? "{\"drain\": false}" : null));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_live_and_ready_with_the_silo_active_and_storage_answering()
    {
        var live = await GetJsonAsync("/health/live");
        Assert.Equal("healthy", live.GetProperty("status").GetString());
        var ready = await GetJsonAsync("/health/ready");
        Assert.Equal("healthy", ready.GetProperty("status").GetString());
        Assert.Equal(["silo", "storage"], ready.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
        Assert.Contains(silo.SiloAddress, ready.GetProperty("checks").GetProperty("silo").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_and_its_chart_library_are_served_by_the_silo()
    {
        var page = await silo.Http.GetStringAsync("/");
        Assert.Contains("lib/chart.umd.min.js", page, StringComparison.Ordinal);
        var library = await silo.Http.GetByteArrayAsync("/lib/chart.umd.min.js");
        var installed = Path.Combine(RepositoryRoot(), "node_modules", "chart.js", "dist", "chart.umd.min.js");
        Assert.Equal(await File.ReadAllBytesAsync(installed), library);
        Assert.Contains("new Chart(", await silo.Http.GetStringAsync("/dashboard.js"), StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "package.json")) && File.Exists(Path.Combine(d.FullName, "OrleansCheckpoint.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}.");
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await silo.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static JsonElement Operator(JsonElement operators, string uid) =>
        operators.GetProperty("operators").EnumerateArray().Single(o => o.GetProperty("uid").GetString() == uid);

    /// <summary>The values of the Prometheus samples of <paramref name="name"/> for a job (and operator).</summary>
    internal static List<double> Samples(string metrics, string name, string job, string? @operator = null) =>
        [.. metrics.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"job=\"{job}\"", StringComparison.Ordinal)
                && (@operator is null || l.Contains($"operator=\"{@operator}\"", StringComparison.Ordinal)))
            .Select(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))];
}
