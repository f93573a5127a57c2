using System.Globalization;
using System.Text.Json;
using OrleansCheckpoint.Grains;
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
        Assert.True(error.Contains("checkpoint interval", StringComparison.Ordinal), error);
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
    public async Task Checkpoints_of_an_unknown_job_is_an_error_that_lists_the_registered_jobs()
    {
        var run = await RunAsync("checkpoints", "no-such-job");

        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Error}");
        Assert.Contains("error: No job named 'no-such-job'", run.Error);
        Assert.Contains(Job, run.Error);
    }

    private Task<ClientCommandLineRun> RunAsync(params string[] args) => ClientCommandLineRun.RunAsync(fixture.Client, args);
}
