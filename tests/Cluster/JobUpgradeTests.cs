using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.JobManagement;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Job upgrades through savepoints: the job's code changes between a stop with a savepoint and a start from it (every
/// silo builds the job's graph again, as after a deployment of new code). State is matched to operators by uid.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JobUpgradeTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_removed_operator_is_refused_by_name_unless_its_state_may_be_dropped_and_an_added_operator_starts_empty()
    {
        const string job = "sp-upgrade";
        UpgradableClicksJob.Versions[job] = 1;
        Redeploy(job);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var a = Slice(0);
        var b = Slice(1);
        var c = Slice(2);
        await PushClicksAsync(driver, a, "a");
        var first = await driver.SavepointAsync(stop: true);

        // Version 2 has no per-user count: its state (and its result table's) has nowhere to go.
        UpgradableClicksJob.Versions[job] = 2;
        Redeploy(job);
        var refused = await Assert.ThrowsAsync<IncompatibleSnapshotException>(() => driver.Manager.StartAsync(From(first)));
        Assert.Contains("'user-totals'", refused.Message);
        Assert.Contains("'user-table'", refused.Message);
        Assert.Contains("--allow-non-restored-state", refused.Message);
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.GetInfoAsync()).Status);

        Assert.Equal(first.Id, (await driver.Manager.StartAsync(From(first) with { AllowNonRestoredState = true })).RestoredCheckpoint);
        await PushClicksAsync(driver, b, "b");
        var second = await driver.SavepointAsync(stop: true);

        // Version 3 counts per user again and per page as well: both operators are new to this savepoint and start empty.
        UpgradableClicksJob.Versions[job] = 3;
        Redeploy(job);
        Assert.Equal(second.Id, (await driver.Manager.StartAsync(From(second))).RestoredCheckpoint);
        await PushClicksAsync(driver, c, "c");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        AssertEqual(Expected(a.Concat(b).Concat(c)), await CommittedAsync(fixture, job)); // the windows' state went through both upgrades
        await AssertUserTotalsAsync(driver, c);
        var pageTotals = (await fixture.OutputFilesAsync($"{job}/page-total-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<KeyedValue<string, long>>(line, JsonSerializerOptions.Web)!)
            .GroupBy(v => v.Key).ToDictionary(g => g.Key, g => g.Max(v => v.Value));
        Assert.Equal(c.GroupBy(x => x.Page).ToDictionary(g => g.Key, g => (long)g.Count()), pageTotals);
    }

    [Fact]
    public async Task A_state_whose_type_changed_is_refused_naming_the_operator_and_both_types_and_the_job_stays_as_it_was()
    {
        const string job = "sp-types";
        UpgradableClicksJob.Versions[job] = 1;
        Redeploy(job);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Manual);
        var a = Slice(0);
        var b = Clicks(from: 20_000, to: 30_000, stepMs: 10);
        await PushClicksAsync(driver, a, "a");
        var savepoint = await driver.SavepointAsync(stop: true);

        UpgradableClicksJob.Versions[job] = 4; // the per-user count's accumulator is an int now
        Redeploy(job);
        var refused = await Assert.ThrowsAsync<IncompatibleSnapshotException>(() => driver.Manager.StartAsync(From(savepoint)));
        Assert.Contains("operator 'user-totals'", refused.Message);
        Assert.Contains("String → Int64", refused.Message);
        Assert.Contains("String → Int32", refused.Message);
        Assert.Equal(JobStatus.Stopped, (await driver.Manager.GetInfoAsync()).Status);

        // Back to the version the savepoint was taken with: it restores, and nothing was lost.
        UpgradableClicksJob.Versions[job] = 1;
        Redeploy(job);
        Assert.Equal(savepoint.Id, (await driver.Manager.StartAsync(From(savepoint))).RestoredCheckpoint);
        await PushClicksAsync(driver, b, "b");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertUserTotalsAsync(driver, a.Concat(b));
        AssertEqual(Expected(a.Concat(b)), await CommittedAsync(fixture, job));
    }

    private static JobStartOptions From(SavepointInfo savepoint) => new(2, Manual, FromSnapshot: savepoint.Path);

    /// <summary>Every silo builds the job's graph again from its registration (a deployment of the job's new code).</summary>
    private void Redeploy(string job)
    {
        foreach (var silo in fixture.Cluster.Silos)
        {
            silo.ServiceProvider.GetRequiredService<JobRegistry>().Forget(job);
        }
    }
}
