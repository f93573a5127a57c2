using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// A stop with a savepoint that fails — a snapshot write refused by storage, an instance lost while it is under way —
/// is reported to its asker, and the job goes on taking pushes as if it had not been asked; nothing is lost or doubled.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SavepointFailureTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_stop_whose_savepoint_cannot_be_written_says_why_and_the_job_runs_on_taking_pushes_until_a_stop_that_succeeds()
    {
        const string job = "sp-stop-fails";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var a = Slice(0);
        var b = Slice(1);
        await PushClicksAsync(driver, a, "a");
        var savepoints = driver.Savepoints;

        using (FaultInjectingGrainStorage.FailWrites((state, key) => key == $"{job}/user-totals/1" && state.StartsWith("piece-", StringComparison.Ordinal)))
        {
            var id = await savepoints.TriggerSavepointAsync(stop: true);
            var failed = await Assert.ThrowsAsync<StreamJobException>(() => driver.WaitForSavepointAsync(id));
            Assert.Contains($"savepoint {id} was declined by {job}/user-totals/1", failed.Message);
            Assert.Contains("could not be written", failed.Message);
        }

        Assert.Equal(JobStatus.Running, (await driver.Manager.GetInfoAsync()).Status);
        Assert.Empty(await savepoints.GetSavepointsAsync());
        await driver.PushAsync(b.Select(Line), batchSize: 500, retryFor: TimeSpan.FromSeconds(5), producer: "b"); // taken again at once

        var stopped = await driver.SavepointAsync(stop: true);
        Assert.Equal(stopped.Id, (await driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: stopped.Path))).RestoredCheckpoint);
        await DrainAndCheckAsync(fixture, driver, job, a.Concat(b));
    }

    [Fact]
    public async Task An_instance_lost_while_a_stop_waits_for_its_savepoint_fails_the_stop_and_the_recovered_job_takes_pushes_again()
    {
        const string job = "sp-stop-lost";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var a = Slice(0);
        var b = Slice(1);
        await PushClicksAsync(driver, a, "a");
        var savepoints = driver.Savepoints;

        using (var held = FaultInjectingGrainStorage.HoldWrites((state, key) => key == $"{job}/user-totals/0" && state.StartsWith("piece-", StringComparison.Ordinal)))
        {
            var id = await savepoints.TriggerSavepointAsync(stop: true);
            await Eventually.TrueAsync(() => Task.FromResult(held.Matched > 0), "the savepoint's write to be held");
            await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/page-windows/1"));
            var failed = await Assert.ThrowsAsync<StreamJobException>(() => driver.WaitForSavepointAsync(id));
            Assert.Contains("recovering from a failure", failed.Message);
            held.Fail();
        }

        await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status == JobStatus.Running && i.Restarts == 1, "the job to recover");
        await PushClicksAsync(driver, b, "b");
        await DrainAndCheckAsync(fixture, driver, job, a.Concat(b));
        Assert.Empty(await savepoints.GetSavepointsAsync());
    }

    [Fact]
    public async Task A_job_manager_that_moves_while_a_stop_waits_for_its_savepoint_lets_the_sources_take_pushes_again()
    {
        const string job = "sp-stop-manager";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var (a, b) = (Slice(0), Slice(1));
        await PushClicksAsync(driver, a, "a");

        using (var held = FaultInjectingGrainStorage.HoldWrites((state, key) => key == $"{job}/user-totals/0" && state.StartsWith("piece-", StringComparison.Ordinal)))
        {
            await driver.Savepoints.TriggerSavepointAsync(stop: true);
            await Eventually.TrueAsync(() => Task.FromResult(held.Matched > 0), "the savepoint's write to be held");
            await fixture.Cluster.DeactivateAsync(driver.Manager); // the savepoint in progress goes with the activation
            held.Fail();
        }

        // The next activation aborts what its predecessor left in progress: the sources take pushes again.
        Assert.Equal(JobStatus.Running, (await driver.Manager.GetInfoAsync()).Status);
        await driver.PushAsync(b.Select(Line), batchSize: 500, retryFor: TimeSpan.FromSeconds(10), producer: "b");
        var stopped = await driver.SavepointAsync(stop: true);
        Assert.Equal(stopped.Id, (await driver.Manager.StartAsync(new JobStartOptions(2, Manual, FromSnapshot: stopped.Path))).RestoredCheckpoint);
        await DrainAndCheckAsync(fixture, driver, job, a.Concat(b));
    }

    [Fact]
    public async Task A_drain_after_a_running_savepoint_that_fails_half_way_and_starts_over_from_it_commits_every_window_once()
    {
        const string job = "sp-drain";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var (a, b) = (Slice(0), Slice(1));
        await PushClicksAsync(driver, a, "a");
        await driver.CheckpointAsync();
        await PushClicksAsync(driver, b, "b");
        await driver.SavepointAsync(); // the sinks hold what it pre-committed: nothing commits it but the drain

        using (var hold = FaultInjectingOutputFiles.HoldCreates(path => path.Contains("/window-files/part-0000-", StringComparison.Ordinal) && path.EndsWith("-final.jsonl", StringComparison.Ordinal)))
        {
            Assert.Equal(JobStatus.Draining, (await driver.Manager.StopAsync(drain: true)).Status);
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingOutputFiles.Held == 1), "partition 0's final part file to be held");
            await Eventually.TrueAsync(
                async () => (await fixture.OutputFilesAsync($"{job}/window-files/")).Keys.Any(k => k.Contains("/part-0001-", StringComparison.Ordinal) && k.EndsWith("-final.jsonl", StringComparison.Ordinal)),
                "partition 1's final part file");
            hold.Fail(); // a failure during the drain: the job restores the savepoint, its newest restore point, and drains again
        }

        var finished = await driver.DrainAsync();
        Assert.Equal((JobStatus.Finished, 1), (finished.Status, finished.Restarts));
        AssertEqual(Expected(a.Concat(b)), await CommittedAsync(fixture, job));
        await AssertUserTotalsAsync(driver, a.Concat(b));
    }
}
