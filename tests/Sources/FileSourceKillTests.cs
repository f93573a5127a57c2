using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Sources;

/// <summary>A file source whose silo is killed mid-file (an abrupt in-process stop, on the three-silo cluster).</summary>
[Collection(FailureClusterCollection.Name)]
public sealed class FileSourceKillTests(FailureClusterFixture fixture)
{
    [Fact]
    public async Task Killing_the_silo_of_the_source_instance_mid_file_loses_and_repeats_nothing()
    {
        const string job = FileClicksJob.Killed;
        var files = await FileSourceClusterTests.UploadAsync(fixture, job, 4);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, FileSourceClusterTests.Checkpoints);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null && (await driver.Manager.GetMetricsAsync()).DeadLetters >= 1, "a checkpoint after a dead letter");

        var source = await fixture.SiloOfAsync(fixture.Client.GetGrain<Grains.IOperatorGrain>($"{job}/clicks/0"));
        if (source.Equals(fixture.Cluster.Silos[0].SiloAddress))
        {
            await fixture.KillSiloHostingAsync(await driver.Manager.GetInfoAsync()); // not the client's gateway: another silo with instances of the job
        }
        else
        {
            await fixture.KillSiloAsync(source);
            await fixture.Cluster.StartAdditionalSiloAsync();
        }

        var info = await FileSourceClusterTests.FinishedAsync(driver);

        Assert.Equal(JobStatus.Finished, info.Status);
        Assert.True(info.Restarts >= 1, $"the job did not recover (restarts {info.Restarts}); it may have finished before the kill");
        await FileSourceClusterTests.AssertOutputAsync(fixture, driver, job, files);
        Assert.Equal(files.Sum(f => f.BadLines.Count), (await driver.Manager.GetMetricsAsync()).DeadLetters);
    }
}
