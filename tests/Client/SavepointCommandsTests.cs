using System.Globalization;
using System.Text.Json;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// <c>client savepoint</c>, <c>savepoints</c>, <c>stop --savepoint</c>, <c>start --from</c> and <c>savepoint --dispose</c>
/// run as a user runs them, through a gateway of the real two-silo cluster: their output, JSON fields and errors.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SavepointCommandsTests(ClusterFixture fixture)
{
    private const string Job = "sp-cli";

    [Fact]
    public async Task Savepoint_commands_take_list_stop_with_start_from_and_dispose_of_savepoints_and_name_what_they_refuse()
    {
        await using var driver = new JobDriver(fixture.Client, Job);
        await driver.StartAsync(parallelism: 2, Manual);
        var clicks = Slice(0);
        await PushClicksAsync(driver, clicks);

        var taken = await RunAsync("savepoint", Job, "--json");
        Assert.True(taken.ExitCode == 0, taken.Error);
        var json = JsonDocument.Parse(taken.Out).RootElement;
        var id = json.GetProperty("id").GetInt64();
        Assert.Equal($"{Job}/{id}", json.GetProperty("path").GetString());
        Assert.True(json.GetProperty("sizeBytes").GetInt64() > 0);
        Assert.True(json.GetProperty("durationMs").GetDouble() > 0);

        var plain = await RunAsync("savepoint", Job);
        Assert.Equal((long)id + 1, long.Parse(plain.Out.Trim(), CultureInfo.InvariantCulture)); // the id alone on stdout
        Assert.Contains($"savepoint {id + 1} of job '{Job}'", plain.Error);

        var stopped = await RunAsync("stop", Job, "--savepoint", "--json");
        Assert.True(stopped.ExitCode == 0, stopped.Error);
        var stop = JsonDocument.Parse(stopped.Out).RootElement;
        var last = stop.GetProperty("savepoint").GetProperty("id").GetInt64();
        Assert.True(stop.GetProperty("savepoint").GetProperty("stopped").GetBoolean());
        Assert.Equal("stopped", stop.GetProperty("job").GetProperty("status").GetString(), StringComparer.OrdinalIgnoreCase);

        var listed = JsonDocument.Parse((await RunAsync("savepoints", Job, "--json")).Out).RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetInt64());
        Assert.Equal([last, id + 1, id], listed);
        var checkpoints = JsonDocument.Parse((await RunAsync("checkpoints", Job, "--json")).Out).RootElement.EnumerateArray().ToList();
        Assert.Equal("savepoint", checkpoints.Single(c => c.GetProperty("id").GetInt64() == last).GetProperty("kind").GetString(), StringComparer.OrdinalIgnoreCase);

        var unknown = await RunAsync("start", Job, "--from", "987654");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains($"has no checkpoint or savepoint 987654", unknown.Error);
        var mixed = await RunAsync("stop", Job, "--drain", "--savepoint");
        Assert.NotEqual(0, mixed.ExitCode);
        Assert.Contains("--drain and --savepoint cannot be combined", mixed.Error);

        var started = await RunAsync("start", Job, "--from", $"{Job}/{last}", "--parallelism", "3", "--json");
        Assert.True(started.ExitCode == 0, started.Error);
        Assert.Equal(last, JsonDocument.Parse(started.Out).RootElement.GetProperty("restoredCheckpoint").GetInt64());
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertUserTotalsAsync(driver, clicks);

        var disposed = await RunAsync("savepoint", "--dispose", $"{Job}/{id}"); // a path names its job (other jobs of the cluster have savepoints with small ids too)
        Assert.True(disposed.ExitCode == 0, disposed.Error);
        Assert.DoesNotContain(await driver.Savepoints.GetSavepointsAsync(), s => s.Id == id);
        var again = await RunAsync("savepoint", Job, "--dispose", id.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"has no savepoint {id}", again.Error);
    }

    private Task<ClientCommandLineRun> RunAsync(params string[] args) => ClientCommandLineRun.RunAsync(fixture.Client, args);
}
