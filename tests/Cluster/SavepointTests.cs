using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Runtime.JobManagement;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Savepoints against Azurite: taken while the job runs or as it stops, restored with <c>--from</c>, kept past retention.
/// Every outcome is compared with windows and totals computed from the pushed clicks alone.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SavepointTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_savepoint_taken_while_running_restores_with_from_after_a_plain_stop_and_the_committed_output_equals_the_oracle()
    {
        const string job = "sp-resume";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var first = Clicks(from: 0, to: 30_000, stepMs: 10);
        var rest = Clicks(from: 30_000, to: 60_000, stepMs: 10);
        await PushClicksAsync(driver, first);

        var savepoint = await driver.SavepointAsync(stop: false);
        Assert.False(savepoint.Stopped);
        Assert.Equal(4, savepoint.Instances.Count(h => h.Task.Operator == "clicks" || h.Task.Operator == "page-windows")); // the savepoint holds every instance
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.StopAsync(drain: false)).Status);

        var started = await driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: savepoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(savepoint.Id, started.RestoredCheckpoint);
        await PushClicksAsync(driver, rest, "rest");
        await DrainAndCheckAsync(fixture, driver, job, first.Concat(rest));
    }

    [Fact]
    public async Task Stop_with_a_savepoint_commits_the_sinks_refuses_later_pushes_and_both_a_plain_start_and_a_start_from_it_resume_exactly_once()
    {
        const string job = "sp-stop";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var first = Clicks(from: 0, to: 30_000, stepMs: 10);
        var second = Clicks(from: 30_000, to: 45_000, stepMs: 10);
        var third = Clicks(from: 45_000, to: 60_000, stepMs: 10);
        await PushClicksAsync(driver, first);

        var savepoint = await driver.SavepointAsync(stop: true);
        Assert.True(savepoint.Stopped);
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.GetInfoAsync()).Status);

        // The record reads back from the job's storage as a manager on another silo would read it (layout included).
        var stored = new GrainState<JobState>();
        await fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(CheckpointSiloBuilderExtensions.JobStorageName)
            .ReadStateAsync("job", driver.Manager.GetGrainId(), stored);
        var kept = Assert.Single(stored.State!.Savepoints);
        Assert.Equal((savepoint.Id, SnapshotKind.Savepoint, true), (kept.Id, kept.Kind, kept.Stopped));
        Assert.Equal(["clicks", "page-windows", "user-table", "user-totals"], kept.Layout!.Vertices.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("user-table", kept.Layout.Stateful!);

        // The windows that closed before the savepoint were committed by the stop itself (no checkpoint ran). Batches of
        // 5 s alternate partitions: the slower one reached 25 s, so its watermark closed the windows up to 20 s.
        var closed = Expected(first).Where(w => w.Key.Start + 5_000 <= T0 + 20_000).ToDictionary(w => w.Key, w => w.Value);
        Assert.True(closed.Count > 0);
        var committed = await CommittedAsync(fixture, job);
        Assert.All(closed, w => Assert.Contains(committed, c => (c.Key, c.Start) == w.Key && c.Count == w.Value));

        // Offline, the savepoint holds per user what `client query` answers now (the stop committed up to it) and the clicks give.
        var inspected = new Dictionary<string, string>();
        await foreach (var entry in fixture.Client.GetGrain<ISnapshotInspectorGrain>(job).ReadEntriesAsync(savepoint.Id, "user-totals"))
        {
            inspected[System.Text.Json.JsonSerializer.Deserialize<string>(entry.KeyJson!)!] = entry.ResultJson!;
        }

        Assert.Equal(first.GroupBy(x => x.User).ToDictionary(g => g.Key, g => g.Count().ToString(System.Globalization.CultureInfo.InvariantCulture)), inspected);
        foreach (var (user, total) in inspected)
        {
            Assert.Equal(total, (await driver.Manager.QueryAsync(user)).ValueJson);
        }

        // A plain start resumes from the savepoint: it is the newest restore point.
        var resumed = await driver.StartAsync(parallelism: 2, Manual);
        Assert.Equal(savepoint.Id, resumed.RestoredCheckpoint);
        await PushClicksAsync(driver, second, "second");
        var again = await driver.SavepointAsync(stop: true);

        var started = await driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: again.Path));
        Assert.Equal(again.Id, started.RestoredCheckpoint);
        await PushClicksAsync(driver, third, "third");
        await DrainAndCheckAsync(fixture, driver, job, first.Concat(second).Concat(third));
        Assert.Equal([again.Id, savepoint.Id], (await driver.Savepoints.GetSavepointsAsync()).Select(s => s.Id));
    }

    [Fact]
    public async Task A_savepoint_outlives_retention_and_the_ingest_log_keeps_what_followed_it_so_a_rollback_to_it_replays_every_later_event()
    {
        const string job = "sp-retention";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual with { Retained = 1 });
        var before = Slice(0);
        var after = Slice(1);
        await PushClicksAsync(driver, before);
        var savepoint = await driver.SavepointAsync(stop: false);

        // Several checkpoints complete after it, each evicting the one before (Retained = 1) and truncating the logs.
        await PushClicksAsync(driver, after, "after");
        for (var i = 0; i < 4; i++)
        {
            await driver.CheckpointAsync();
        }

        Assert.Equal(JobStatus.Stopped, (await driver.Manager.StopAsync(drain: false)).Status);
        Assert.NotEmpty(await SnapshotBlobs.OfAsync(fixture, $"{job}/user-totals/0"));
        var started = await driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: $"{job}/{savepoint.Id}"));
        Assert.Equal(savepoint.Id, started.RestoredCheckpoint);

        // The state rolled back to the savepoint and replayed the later clicks from the sources' logs: every click counts once.
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertUserTotalsAsync(driver, before.Concat(after));
    }

    [Fact]
    public async Task Unknown_ids_ids_of_another_job_and_a_corrupt_savepoint_are_refused_with_clear_errors_and_change_nothing()
    {
        const string job = "sp-errors";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var clicks = Slice(0);
        await PushClicksAsync(driver, clicks);
        var checkpoint = await driver.CheckpointAsync();
        var savepoint = await driver.SavepointAsync(stop: true);
        var stopped = await driver.Manager.GetInfoAsync();

        var unknown = await Assert.ThrowsAsync<SnapshotNotFoundException>(() => driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: "99999")));
        Assert.Contains($"has no checkpoint or savepoint 99999", unknown.Message);
        Assert.Contains($"Its savepoints: {savepoint.Id}", unknown.Message);
        var other = await Assert.ThrowsAsync<SnapshotNotFoundException>(() => driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: $"sp-resume/{savepoint.Id}")));
        Assert.Contains("of job 'sp-resume', not of job 'sp-errors'", other.Message);
        await Assert.ThrowsAsync<SnapshotNotFoundException>(() => driver.Savepoints.DisposeSavepointAsync(99999));

        await SnapshotBlobs.CorruptAsync(fixture, (await fixture.SnapshotBlobAsync(job, $"{job}/user-totals/1", savepoint.Id, Runtime.Checkpointing.SnapshotStore.PieceStateName(savepoint.Id))).Name);
        var corrupt = await Assert.ThrowsAsync<IncompatibleSnapshotException>(() => driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: savepoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Contains($"cannot start from savepoint {savepoint.Id}", corrupt.Message);
        Assert.Contains("corrupt", corrupt.Message);
        Assert.Contains("Nothing changed", corrupt.Message);

        var after = await driver.Manager.GetInfoAsync();
        Assert.Equal((JobStatus.Stopped, stopped.LastCompletedCheckpoint, stopped.RestoredCheckpoint), (after.Status, after.LastCompletedCheckpoint, after.RestoredCheckpoint));
        Assert.Single(await driver.Savepoints.GetSavepointsAsync());

        // The checkpoint before it still restores; the corrupt savepoint can be disposed of.
        Assert.Equal(checkpoint, (await driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: checkpoint.ToString(System.Globalization.CultureInfo.InvariantCulture)))).RestoredCheckpoint);
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertUserTotalsAsync(driver, clicks);
        await driver.Savepoints.DisposeSavepointAsync(savepoint.Id);
        Assert.Empty(await driver.Savepoints.GetSavepointsAsync());
        Assert.DoesNotContain(await SnapshotBlobs.OfAsync(fixture, $"{job}/user-totals/1"), b => b.Name.Contains($"{savepoint.Id:D10}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stop_with_a_savepoint_keeps_the_ingest_log_that_the_checkpoints_retained_before_it_need()
    {
        const string job = "sp-truncate";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual with { Retained = 3 });
        var (a, b, c) = (Slice(0), Slice(1), Slice(2));
        await PushClicksAsync(driver, a, "a");
        var oldest = await driver.CheckpointAsync();
        await PushClicksAsync(driver, b, "b");
        await driver.CheckpointAsync();
        await PushClicksAsync(driver, c, "c");
        await driver.CheckpointAsync();
        await driver.SavepointAsync(stop: true);

        // The oldest retained checkpoint still restores: the stop truncated no segment it needs to replay b and c.
        Assert.Equal(oldest, (await driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: oldest.ToString(System.Globalization.CultureInfo.InvariantCulture)))).RestoredCheckpoint);
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertUserTotalsAsync(driver, a.Concat(b).Concat(c));
    }
}
