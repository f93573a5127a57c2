using System.Globalization;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Tests.Client;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// What the offline inspector answers for what it cannot read: an unknown job, an id the job has no snapshot of, an
/// operator the job does not have, a corrupt or missing snapshot — one line naming what is wrong, and nothing changed.
/// </summary>
[Collection(InspectClusterCollection.Name)]
public sealed class InspectErrorTests(InspectClusterFixture fixture)
{
    private const string Job = InspectClusterFixture.Corrupt;

    [Fact]
    public async Task An_unknown_job_is_the_registrys_error_naming_the_registered_jobs()
    {
        var inspector = fixture.Client.GetGrain<ISnapshotInspectorGrain>("no-such-job");

        var error = await Assert.ThrowsAsync<JobNotFoundException>(() => inspector.SummarizeAsync(1));
        var run = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", "no-such-job", "1");

        Assert.Contains(InspectClusterFixture.RequestCounter, error.Message);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: No job named 'no-such-job' is registered", run.Error);
    }

    [Fact]
    public async Task Unknown_ids_operators_and_corrupt_or_missing_snapshots_are_errors_naming_them_and_change_nothing()
    {
        await using var driver = new JobDriver(fixture.Client, Job);
        await driver.StartAsync(2, SnapshotInspectTests.ByHand);
        var requests = SnapshotInspectTests.Requests(seed: 4, count: 1_000, fromMs: 1_000, toMs: 7_000);
        await driver.PushAsync(requests.Select(RequestGenerator.ToJsonLine));
        await SnapshotInspectTests.LiveTotalsAsync(driver, requests);
        var kept = await CheckpointTests.CheckpointByHandAsync(driver);
        var id = await CheckpointTests.CheckpointByHandAsync(driver);
        await driver.Manager.StopAsync(drain: false);
        var info = await driver.Manager.GetInfoAsync();
        var text = id.ToString(CultureInfo.InvariantCulture);

        var unknownId = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", Job, "999999");
        var unknownOperator = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", Job, text, "--operator", "nope");
        var stateless = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", Job, text, "--operator", "requests");
        await fixture.CorruptSnapshotAsync(Job, $"{Job}/endpoint-totals/0", id);
        var missing = await fixture.SnapshotBlobAsync(Job, $"{Job}/window-counts/1", kept);
        await missing.DeleteAsync();
        var blobs = await fixture.CheckpointBlobsAsync();
        var corrupt = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", Job, text);
        var corruptOperator = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", Job, text, "--operator", "endpoint-totals");
        var otherOperator = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", Job, text, "--operator", "window-counts");
        var gone = await ClientCommandLineRun.RunAsync(fixture.Client, "inspect", Job, kept.ToString(CultureInfo.InvariantCulture));

        AssertError(unknownId, $"Job '{Job}' has no checkpoint or savepoint 999999. Its retained checkpoints: {kept}, {id}.");
        AssertError(unknownOperator, $"Job '{Job}' has no operator 'nope'. Its operators: requests,");
        AssertError(stateless, "Operator 'requests' keeps no keyed state");
        AssertError(corrupt, $"The snapshot of {Job}/endpoint-totals/0 for checkpoint {id} is corrupt: checksum");
        AssertError(corruptOperator, $"The snapshot of {Job}/endpoint-totals/0 for checkpoint {id} is corrupt");
        AssertError(gone, $"The snapshot of {Job}/window-counts/1 for checkpoint {kept} is missing.");
        Assert.True(otherOperator.ExitCode == 0, otherOperator.Error); // the other operators' snapshots still read
        var windowsAndTimers = requests.Select(r => r.Endpoint).Distinct().Count() * 2;
        Assert.Equal(windowsAndTimers, otherOperator.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        Assert.Equal(blobs, await fixture.CheckpointBlobsAsync());
        var after = await driver.Manager.GetInfoAsync();
        Assert.Equal((info.Status, info.Generation, info.LastCompletedCheckpoint), (after.Status, after.Generation, after.LastCompletedCheckpoint));
    }

    private static void AssertError(ClientCommandLineRun run, string message)
    {
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Out}{run.Error}");
        Assert.Equal(string.Empty, run.Out);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(line.StartsWith($"error: {message}", StringComparison.Ordinal), line);
    }
}
