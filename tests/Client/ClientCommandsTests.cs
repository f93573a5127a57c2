using System.Text.Json;
using OrleansCheckpoint.Cli.Connection;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// <c>client push</c>, <c>query</c>, <c>results</c>, <c>stop --drain</c>, <c>start</c>, <c>jobs</c> and the global
/// options run as a user runs them, against the shared two-silo cluster; what they report is checked against counts
/// computed here with LINQ over the same requests.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClientCommandsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Push_of_a_file_stops_at_a_malformed_line_naming_it_and_keeps_every_event_accepted_before_it()
    {
        const string job = "cli-file";
        var requests = new RequestGenerator(seed: 11).Take(300).ToList();
        var lines = requests.Select(RequestGenerator.ToJsonLine).ToArray();
        lines[149] = "{\"endpoint\": \"/api/orders\", \"user\": "; // line 150
        var path = Path.Combine(Path.GetTempPath(), $"push-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(path, lines);
        try
        {
            Assert.Equal(0, (await RunAsync("start", job, "--parallelism", "1")).ExitCode);

            // One partition, batches of 50: lines 1–100 are acknowledged, the batch from line 101 is refused.
            var push = await RunAsync("push", job, "--file", path, "--batch-size", "50");

            Assert.True(push.ExitCode == 1, $"exit code {push.ExitCode}: {push.Error}");
            Assert.Contains("line 150", push.Error);
            Assert.Contains("100 events in 2 batches were accepted before the push stopped", push.Error);
            var drain = await RunAsync("stop", job, "--drain", "--json");
            Assert.True(drain.ExitCode == 0, drain.Error);
            Assert.Equal("Finished", JsonDocument.Parse(drain.Json).RootElement.GetProperty("status").GetString());
            await AssertCommittedTotalsAsync(job, requests.Take(100));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task After_a_push_stopped_the_same_input_pushed_again_under_its_producer_id_counts_every_event_once()
    {
        const string job = "cli-repush";
        var requests = new RequestGenerator(seed: 12).Take(600).ToList();
        var lines = requests.Select(RequestGenerator.ToJsonLine).ToArray();
        var good = lines[349];
        lines[349] = "{\"endpoint\": 17}"; // line 350, in the 7th batch of 50: partition 0's 4th
        var path = Path.Combine(Path.GetTempPath(), $"push-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(path, lines);
        try
        {
            Assert.Equal(0, (await RunAsync("start", job, "--parallelism", "2")).ExitCode);
            var push = await RunAsync("push", job, "--file", path, "--batch-size", "50");
            Assert.True(push.ExitCode == 1, $"exit code {push.ExitCode}: {push.Error}");
            var producer = System.Text.RegularExpressions.Regex.Match(push.Error, "--producer-id (\\S+)").Groups[1].Value;
            Assert.NotEmpty(producer);

            // The user fixes the line and pushes the same file again: partition 1 went on past line 350 meanwhile,
            // and what either partition logged is recognised, not counted twice.
            lines[349] = good;
            await File.WriteAllLinesAsync(path, lines);
            var again = await RunAsync("push", job, "--file", path, "--batch-size", "50", "--producer-id", producer, "--json");

            Assert.True(again.ExitCode == 0, again.Error);
            var summary = JsonDocument.Parse(again.Json).RootElement;
            Assert.Equal(600, summary.GetProperty("accepted").GetInt64());
            Assert.True(summary.GetProperty("duplicates").GetInt64() >= 3, again.Json); // partition 0 logged its three batches before line 350
            Assert.Equal(0, (await RunAsync("stop", job, "--drain")).ExitCode);
            await AssertCommittedTotalsAsync(job, requests);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Generated_requests_are_counted_per_endpoint_as_an_independent_count_of_the_seeded_generator_says()
    {
        const string job = RequestCounterJob.Name;
        Assert.Equal(0, (await RunAsync("start", job, "--parallelism", "2")).ExitCode);

        var push = await RunAsync("push", job, "--generate", "3000", "--seed", "21", "--rate", "20000", "--json");

        Assert.True(push.ExitCode == 0, push.Error);
        Assert.Equal(3000, JsonDocument.Parse(push.Json).RootElement.GetProperty("accepted").GetInt64());
        Assert.Equal(0, (await RunAsync("stop", job, "--drain")).ExitCode);
        // --rate is also the requests' event-time rate: 20,000 per second of event time.
        var expected = RequestOracle.Totals(new RequestGenerator(seed: 21, eventsPerSecond: 20_000).Take(3000));
        foreach (var endpoint in RequestGenerator.Endpoints)
        {
            var query = await RunAsync("query", job, endpoint, "--json");
            Assert.True(query.ExitCode == 0, query.Error);
            var answer = JsonDocument.Parse(query.Json).RootElement;
            Assert.Equal(endpoint, answer.GetProperty("key").GetString());
            Assert.Equal(expected.GetValueOrDefault(endpoint), answer.GetProperty("value").ValueKind == JsonValueKind.Null ? 0 : answer.GetProperty("value").GetInt64());
            Assert.True(answer.GetProperty("committed").GetBoolean());
        }
    }

    [Fact]
    public async Task Push_from_standard_input_counts_every_line_it_reads()
    {
        const string job = "cli-stdin";
        var requests = new RequestGenerator(seed: 31).Take(700).ToList();
        Assert.Equal(0, (await RunAsync("start", job, "--parallelism", "2")).ExitCode);

        var push = await ClientCommandLineRun.RunWithInputAsync(
            fixture.Client, string.Join('\n', requests.Select(RequestGenerator.ToJsonLine)) + "\n", "push", job, "--stdin", "--batch-size", "64", "--json");

        Assert.True(push.ExitCode == 0, push.Error);
        Assert.Equal(700, JsonDocument.Parse(push.Json).RootElement.GetProperty("accepted").GetInt64());
        Assert.Equal(0, (await RunAsync("stop", job, "--drain")).ExitCode);
        await AssertCommittedTotalsAsync(job, requests);
    }

    [Fact]
    public async Task Results_prints_each_committed_window_count_once_as_json_and_stops_after_count()
    {
        const string job = "cli-results";
        // 250 requests per second of event time: 4,000 requests span 16 s, two windows per endpoint.
        var requests = new RequestGenerator(seed: 41, eventsPerSecond: 250).Take(4000).ToList();
        var expected = RequestOracle.Windows(requests);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2);
        await driver.PushAsync(requests.Take(2000).Select(RequestGenerator.ToJsonLine)); // event time < 8 s: no window closes yet

        var following = RunAsync("results", job, "--json", "--count", expected.Count.ToString(), "--timeout", "60");
        await Task.Delay(TimeSpan.FromSeconds(2)); // the command subscribes (in-process: milliseconds)
        await driver.PushAsync(requests.Skip(2000).Select(RequestGenerator.ToJsonLine));
        await driver.DrainAsync();
        var results = await following;

        Assert.True(results.ExitCode == 0, results.Error);
        var printed = results.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(w => (Key: (w.GetProperty("key").GetString()!, w.GetProperty("start").GetDateTimeOffset()), Value: w.GetProperty("value").GetInt64()))
            .ToList();
        Assert.Equal(expected.Count, printed.Count);
        Assert.Equal(expected.OrderBy(w => w.Key).Select(w => (w.Key, w.Value)), printed.OrderBy(w => w.Key));
    }

    [Fact]
    public async Task Start_of_a_running_job_with_another_parallelism_says_it_is_ignored_and_a_stopped_job_refuses_pushes()
    {
        const string job = "cli-restart";
        var first = await RunAsync("start", job, "--parallelism", "2");
        var again = await RunAsync("start", job, "--parallelism", "3", "--json");
        var same = await RunAsync("start", job, "--parallelism", "2");
        var jobs = await RunAsync("jobs");
        var stop = await RunAsync("stop", job);
        var push = await RunAsync("push", job, "--generate", "10");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal(string.Empty, first.Error);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(again.Json).RootElement.GetProperty("parallelism").GetInt32());
        Assert.Contains($"job '{job}' was already running with parallelism 2: --parallelism 3 is ignored", again.Error);
        Assert.Equal(string.Empty, same.Error);
        Assert.Equal(0, jobs.ExitCode);
        var row = Assert.Single(jobs.Out.Split('\n'), l => l.Contains($" {job} ", StringComparison.Ordinal));
        Assert.Contains("Running", row);
        Assert.Contains("name", jobs.Out);
        Assert.Contains("status", jobs.Out);
        Assert.Equal(0, stop.ExitCode);
        Assert.True(push.ExitCode == 1, $"exit code {push.ExitCode}: {push.Error}");
        Assert.Contains($"error: Job '{job}' is not running (status: Stopped)", push.Error);
    }

    [Fact]
    public async Task Push_to_an_unknown_job_is_an_error_that_names_it()
    {
        var push = await RunAsync("push", "no-such-job", "--generate", "10");

        Assert.True(push.ExitCode == 1, $"exit code {push.ExitCode}: {push.Error}");
        Assert.Contains("error: No job named 'no-such-job' is registered", push.Error);
        Assert.Equal(string.Empty, push.Out);
    }

    [Fact]
    public async Task A_gateway_that_is_not_host_and_port_is_a_usage_error()
    {
        var run = await ClientCommandLineRun.RunAsync(["jobs", "--gateway", "bad-value"], ClusterConnection.Connector);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'bad-value' is not a gateway address", run.Error);
        Assert.Contains("usage: ", run.Error);
    }

    [Fact]
    public async Task A_gateway_where_nothing_listens_exits_with_2_saying_no_silo_is_reachable()
    {
        var run = await ClientCommandLineRun.RunAsync(["jobs", "--gateway", "127.0.0.1:1"], ClusterConnection.Connector);

        Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}: {run.Error}");
        Assert.Contains("error: cannot reach a silo at 127.0.0.1:1", run.Error);
    }

    /// <summary>Each endpoint's total as <c>client query --json</c> answers it equals a count of <paramref name="pushed"/>.</summary>
    private async Task AssertCommittedTotalsAsync(string job, IEnumerable<Jobs.RequestCounter.Request> pushed)
    {
        var expected = RequestOracle.Totals(pushed);
        foreach (var endpoint in RequestGenerator.Endpoints)
        {
            Assert.Equal(expected.GetValueOrDefault(endpoint), await CommittedTotalAsync(job, endpoint));
        }
    }

    /// <summary>The committed total of <paramref name="endpoint"/>, as <c>client query --json</c> shows it (0 without a value).</summary>
    private async Task<long> CommittedTotalAsync(string job, string endpoint)
    {
        var query = await RunAsync("query", job, endpoint, "--json");
        Assert.True(query.ExitCode == 0, query.Error);
        var value = JsonDocument.Parse(query.Json).RootElement.GetProperty("value");
        return value.ValueKind == JsonValueKind.Null ? 0 : value.GetInt64();
    }

    private Task<ClientCommandLineRun> RunAsync(params string[] args) => ClientCommandLineRun.RunAsync(fixture.Client, args);
}
