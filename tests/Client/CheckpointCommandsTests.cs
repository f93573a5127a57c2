using System.Globalization;
using System.Text.Json;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// <c>client start --checkpoint-…</c>, <c>client checkpoint</c>, <c>client checkpoints</c> and <c>client jobs</c> run as
/// a user runs them, connected through a gateway of the real two-silo cluster, on the shared job <c>cli</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckpointCommandsTests(ClusterFixture fixture)
{
    private const string Job = "cli";

    [Fact]
    public async Task Start_shows_an_error_naming_the_setting_when_the_silo_refuses_a_checkpoint_option()
    {
        await fixture.Client.GetGrain<IJobManagerGrain>(Job).StopAsync(drain: false); // a running job would be left as it is

        var run = await RunAsync("start", Job, "--parallelism", "3", "--checkpoint-interval", "0s");

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Error}");
        Assert.Equal(string.Empty, run.Out);
        var error = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error);
        Assert.True(error.Contains("--checkpoint-interval must be at least 10 ms (got 0 ms)", StringComparison.Ordinal), error);
    }

    /// <summary>Each invalid checkpoint setting, given as <c>client start</c> options, and the option the error must name.</summary>
    public static TheoryData<string[], string> EachInvalidSetting => new()
    {
        { ["--checkpoint-interval", "0s"], "--checkpoint-interval must be at least 10 ms" },
        { ["--checkpoint-interval", "2s", "--checkpoint-timeout", "1s"], "--checkpoint-timeout must be at least the interval, 2000 ms (got 1000 ms)" },
        { ["--checkpoint-min-pause", "-1s"], "--checkpoint-min-pause must be" },
        { ["--max-concurrent-checkpoints", "0"], "--max-concurrent-checkpoints must be at least 1 (got 0)" },
        { ["--tolerable-checkpoint-failures", "-1"], "--tolerable-checkpoint-failures must not be negative (got -1)" },
        { ["--retained-checkpoints", "0"], "--retained-checkpoints must be at least 1" },
        { ["--checkpoint-mode", "twice"], "--checkpoint-mode must be" },
        { ["--consolidate-after", "0"], "--consolidate-after must be at least 1 (got 0)" },
    };

    [Theory]
    [MemberData(nameof(EachInvalidSetting))]
    public async Task Start_refuses_each_invalid_checkpoint_setting_with_one_error_naming_its_option(string[] options, string message)
    {
        const string job = "chk-settings"; // never started: every start of it is refused

        var run = await RunAsync(["start", job, "--parallelism", "1", .. options]);

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Error}");
        Assert.Equal(string.Empty, run.Out);
        var error = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]; // a usage error (refused before the call) adds a usage hint
        Assert.StartsWith("error: ", error);
        Assert.True(error.Contains(message, StringComparison.Ordinal), error);
        Assert.Equal(JobStatus.Created, (await fixture.Client.GetGrain<IJobManagerGrain>(job).GetInfoAsync()).Status);
    }

    [Fact]
    public async Task Start_shows_an_error_naming_the_option_when_the_silo_refuses_a_restart_setting()
    {
        await fixture.Client.GetGrain<IJobManagerGrain>(Job).StopAsync(drain: false); // a running job would be left as it is

        // The silo's Restart:MaxDelay (30 s) is shorter than this delay: the error names the option that sets it.
        var run = await RunAsync("start", Job, "--parallelism", "3", "--restart-strategy", "exponential-backoff", "--restart-delay", "1m", "--restart-attempts", "-1");

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Error}");
        Assert.Equal(string.Empty, run.Out);
        var error = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error);
        Assert.Contains("--restart-max-delay 00:00:30 is shorter than --restart-delay 00:01:00", error);
        Assert.Contains("--restart-attempts -1 is negative", error);
        Assert.NotEqual(Messages.JobStatus.Running, (await fixture.Client.GetGrain<IJobManagerGrain>(Job).GetInfoAsync()).Status);
    }

    [Fact]
    public async Task A_checkpoint_triggered_by_hand_shows_up_completed_in_checkpoints_and_jobs()
    {
        await fixture.Client.GetGrain<IJobManagerGrain>(Job).StopAsync(drain: false);

        // An interval of an hour: the only checkpoint is the one triggered below.
        var start = await RunAsync("start", Job, "--parallelism", "3", "--checkpoint-interval", "1h", "--checkpoint-timeout", "2h", "--retained-checkpoints", "3", "--checkpoint-mode", "at-least-once", "--json");
        Assert.True(start.ExitCode == 0, start.Error);
        var trigger = await RunAsync("checkpoint", Job, "--json");
        Assert.True(trigger.ExitCode == 0, trigger.Out + trigger.Error);
        var id = JsonDocument.Parse(trigger.Json).RootElement.GetProperty("id").GetInt64();
        var checkpoint = await Eventually.ValueAsync(
            async () => JsonDocument.Parse((await RunAsync("checkpoints", Job, "--json")).Json).RootElement.EnumerateArray().FirstOrDefault(c => c.GetProperty("id").GetInt64() == id),
            c => c.ValueKind == JsonValueKind.Object && c.GetProperty("status").GetString() != "in-progress",
            $"checkpoint {id} to finish");
        var jobs = await RunAsync("jobs", "--json");

        Assert.Equal(0, jobs.ExitCode);
        var started = JsonDocument.Parse(start.Json).RootElement;
        Assert.Equal("Running", started.GetProperty("status").GetString());
        var settings = started.GetProperty("checkpointing");
        Assert.True(settings.GetProperty("enabled").GetBoolean());
        Assert.Equal(TimeSpan.FromHours(1), TimeSpan.Parse(settings.GetProperty("interval").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.FromHours(2), TimeSpan.Parse(settings.GetProperty("timeout").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(3, settings.GetProperty("retained").GetInt32());
        Assert.Equal("at-least-once", settings.GetProperty("mode").GetString());

        Assert.Equal("completed", checkpoint.GetProperty("status").GetString());
        Assert.True(checkpoint.GetProperty("durationMs").GetDouble() > 0);
        var instances = checkpoint.GetProperty("instances").EnumerateArray().ToList();
        Assert.Equal(checkpoint.GetProperty("total").GetInt32(), checkpoint.GetProperty("acknowledged").GetInt32());
        Assert.Equal(checkpoint.GetProperty("total").GetInt32(), instances.Count);
        Assert.All(instances, i => Assert.Matches($"^{Job}/[^/]+/[0-2]$", i.GetProperty("task").GetString()));
        Assert.Equal(instances.Sum(i => i.GetProperty("sizeBytes").GetInt64()), checkpoint.GetProperty("sizeBytes").GetInt64());
        Assert.All(instances, i => Assert.True(i.GetProperty("syncMs").GetDouble() >= 0 && i.GetProperty("asyncMs").GetDouble() >= 0 && i.GetProperty("alignmentMs").GetDouble() >= 0));

        var listed = JsonDocument.Parse(jobs.Json).RootElement.EnumerateArray().Single(j => j.GetProperty("name").GetString() == Job);
        Assert.Equal(id, listed.GetProperty("lastCompletedCheckpoint").GetInt64());
        Assert.Equal(0, listed.GetProperty("restarts").GetInt32());
        foreach (var field in new[] { "restoredCheckpoint", "lastFailure", "failureReason" })
        {
            Assert.True(listed.TryGetProperty(field, out _), $"jobs --json lacks {field}");
        }
    }

    [Fact]
    public async Task Checkpoints_lists_newest_first_as_json_and_as_a_table_with_its_columns()
    {
        await fixture.Client.GetGrain<IJobManagerGrain>(Job).StopAsync(drain: false);
        var start = await RunAsync("start", Job, "--parallelism", "3", "--checkpoint-interval", "1h", "--checkpoint-timeout", "2h", "--retained-checkpoints", "3");
        Assert.True(start.ExitCode == 0, start.Error);
        var triggered = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            // One at a time (one may be in progress at once): each is triggered once the one before has finished.
            var id = JsonDocument.Parse((await RunAsync("checkpoint", Job, "--json")).Json).RootElement.GetProperty("id").GetInt64();
            triggered.Add(id);
            await Eventually.TrueAsync(
                async () => JsonDocument.Parse((await RunAsync("checkpoints", Job, "--json")).Json).RootElement.EnumerateArray()
                    .Any(c => c.GetProperty("id").GetInt64() == id && c.GetProperty("status").GetString() == "completed"),
                $"checkpoint {id} to complete");
        }

        var json = await RunAsync("checkpoints", Job, "--json");
        var table = await RunAsync("checkpoints", Job);

        Assert.Equal(0, json.ExitCode);
        var ids = JsonDocument.Parse(json.Json).RootElement.EnumerateArray().Select(c => c.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.OrderDescending(), ids); // newest first
        Assert.Equal(triggered.OrderDescending(), ids.Where(triggered.Contains));

        Assert.True(table.ExitCode == 0, table.Error);
        var lines = table.Out.Split('\n');
        var header = Assert.Single(lines, l => l.Contains("status", StringComparison.Ordinal));
        Assert.All(
            new[] { "id", "status", "triggered", "duration ms", "checkpointed", "full size", "acked/total", "failure reason" },
            column => Assert.True(header.Contains(column, StringComparison.Ordinal), $"no column '{column}' in: {header}"));
        var rows = triggered.Select(id => Array.FindIndex(lines, l => Cells(l).FirstOrDefault() == id.ToString(CultureInfo.InvariantCulture))).ToList();
        Assert.All(rows, row => Assert.True(row > 0, table.Out));
        Assert.Equal(rows.OrderDescending(), rows); // the newest checkpoint's row comes first
        Assert.All(rows, row => Assert.Contains("completed", lines[row]));
    }

    [Fact]
    public async Task A_job_started_with_no_checkpoints_takes_none_says_so_when_asked_for_one_and_still_counts_exactly()
    {
        const string job = "chk-off";
        await using var driver = new JobDriver(fixture.Client, job);
        var start = await RunAsync("start", job, "--parallelism", "2", "--no-checkpoints", "--json");
        Assert.True(start.ExitCode == 0, start.Error);
        Assert.False(JsonDocument.Parse(start.Json).RootElement.GetProperty("checkpointing").GetProperty("enabled").GetBoolean());
        var requests = new RequestGenerator(seed: 17).Take(3_000).ToList();

        await driver.PushAsync(requests.Select(RequestGenerator.ToJsonLine));
        var expected = requests.GroupBy(r => r.Endpoint).ToDictionary(g => g.Key, g => (long)g.Count());
        await Eventually.TrueAsync(
            async () =>
            {
                foreach (var (endpoint, count) in expected)
                {
                    if ((await driver.Manager.QueryAsync(endpoint, live: true)).ValueJson != count.ToString(CultureInfo.InvariantCulture))
                    {
                        return false;
                    }
                }

                return true;
            },
            "every endpoint's live total to equal the count of its pushed requests");
        var trigger = await RunAsync("checkpoint", job);
        var checkpoints = await RunAsync("checkpoints", job, "--json");

        Assert.True(trigger.ExitCode == 1, $"exit code {trigger.ExitCode}: {trigger.Out}{trigger.Error}");
        Assert.Contains($"no checkpoint triggered: checkpointing is off for job '{job}' (it was started with --no-checkpoints)", trigger.Out);
        Assert.Equal("[]", checkpoints.Json); // none was ever triggered, by the timer (200 ms in this cluster) or by hand
        Assert.DoesNotContain((await fixture.CheckpointBlobsAsync()), b => b.Contains($"/{job}/", StringComparison.Ordinal));
        var info = await driver.Manager.GetInfoAsync();
        Assert.Equal((JobStatus.Running, (long?)null), (info.Status, info.LastCompletedCheckpoint));
    }

    [Fact]
    public async Task Checkpoints_of_an_unknown_job_is_an_error_that_lists_the_registered_jobs()
    {
        var run = await RunAsync("checkpoints", "no-such-job");

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Error}");
        Assert.Contains("error: No job named 'no-such-job'", run.Error);
        Assert.Contains(Job, run.Error);
    }

    /// <summary>The cells of a table row (<c>│ a │ b │</c>), trimmed.</summary>
    private static IEnumerable<string> Cells(string line) =>
        line.Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(c => c.Length > 0);

    private Task<ClientCommandLineRun> RunAsync(params string[] args) => ClientCommandLineRun.RunAsync(fixture.Client, args);
}
