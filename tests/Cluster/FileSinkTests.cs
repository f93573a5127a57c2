using System.Globalization;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>The file sink: part files appear only when their checkpoint completes, and hold every record exactly once across a failure.</summary>
[Collection(FailureClusterCollection.Name)]
public sealed class FileSinkTests(FailureClusterFixture fixture)
{
    [Fact]
    public async Task Part_files_appear_only_on_commit_and_after_a_failure_hold_every_record_exactly_once()
    {
        var job = FileOutputJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        var numbers = Enumerable.Range(0, 6_000).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();

        await driver.PushAsync(numbers.Take(2_000), retryFor: TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).EventsAccepted == 2_000, "the first numbers");
        await Task.Delay(300);
        Assert.Empty(await fixture.OutputFilesAsync($"{job}/")); // processed, but no checkpoint has committed them

        var first = await driver.Coordinator.TriggerCheckpointAsync();
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint == first, "the checkpoint to complete");
        await Eventually.TrueAsync(async () => (await fixture.OutputFilesAsync($"{job}/")).Values.Sum(f => f.Length) == 2_000, "the committed part files");
        Assert.All((await fixture.OutputFilesAsync($"{job}/")).Keys, name => Assert.Matches($@"^{job}/parts/part-000[01]-{first:D10}\.jsonl$", name));

        await driver.PushAsync(numbers.Skip(2_000).Take(2_000), retryFor: TimeSpan.FromSeconds(60));
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/numbers/1"));
        await driver.PushAsync(numbers.Skip(4_000), retryFor: TimeSpan.FromSeconds(60));
        await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
        await driver.DrainAsync();

        var written = (await fixture.OutputFilesAsync($"{job}/")).Values.SelectMany(lines => lines).Select(long.Parse).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 6_000).Select(n => n * 2L), written); // every record once: none lost, none twice
    }

    [Theory]
    [InlineData(FileOutputJob.KillBeforeCommitName, ".jsonl")]
    [InlineData(CsvOutputJob.Name, ".csv")]
    public async Task Killing_a_silo_after_a_checkpoint_completed_but_before_the_part_files_were_committed_commits_each_record_once(string job, string extension)
    {
        await using var driver = new JobDriver(fixture.Client, job);
        var started = await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        var numbers = Enumerable.Range(0, 6_000).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();
        await driver.PushAsync(numbers.Take(3_000), retryFor: TimeSpan.FromSeconds(60));

        long? checkpoint;
        using (var hold = FaultInjectingOutputFiles.HoldCreates(path => path.StartsWith($"{job}/", StringComparison.Ordinal)))
        {
            // The moment: checkpoint N is complete (its manifest and the job's state are written), its part files are not.
            checkpoint = await driver.Coordinator.TriggerCheckpointAsync();
            await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint == checkpoint, "the checkpoint to complete");
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingOutputFiles.Held == 2), "both part-file commits to be held");
            Assert.Empty(await fixture.OutputFilesAsync($"{job}/"));
            await fixture.KillSiloHostingAsync(started);
            hold.Fail(); // the killed instance's commit never happens (nor, here, the survivor's): only the restored instances can write them
        }

        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover", TimeSpan.FromSeconds(60));
        Assert.Equal(checkpoint, info.RestoredCheckpoint); // restored with checkpoint N's pre-committed part files, which it commits again

        // When the silo's death was noticed before the hold ended, a restored instance's re-commit was held and failed
        // too; it stays pending and is committed with the next checkpoint (as a sink retries any failed commit).
        await driver.Coordinator.TriggerCheckpointAsync();
        await Eventually.TrueAsync(async () => DoubledValues(await fixture.OutputFilesAsync($"{job}/"), extension).Count == 3_000, "the re-committed part files");

        await driver.PushAsync(numbers.Skip(3_000), retryFor: TimeSpan.FromSeconds(60));
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        var files = await fixture.OutputFilesAsync($"{job}/");
        Assert.Equal(2, files.Keys.Count(name => name.EndsWith($"-{checkpoint:D10}{extension}", StringComparison.Ordinal))); // one part file per instance for checkpoint N
        Assert.All(files.Keys, name => Assert.EndsWith(extension, name, StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(0, 6_000).Select(n => n * 2L), DoubledValues(files, extension)); // every record once: none lost, none twice
    }

    /// <summary>
    /// The doubled numbers in the part files: a JSON line is the number; a CSV file opens with its header and each row is
    /// the number and its double.
    /// </summary>
    private static List<long> DoubledValues(Dictionary<string, string[]> files, string extension) =>
        extension == ".csv"
            ? [.. files.Values.SelectMany(lines =>
              {
                  Assert.Equal("Number,Doubled", lines[0]);
                  return lines.Skip(1).Select(row => row.Split(',')).Select(columns =>
                  {
                      Assert.Equal(long.Parse(columns[0], CultureInfo.InvariantCulture) * 2, long.Parse(columns[1], CultureInfo.InvariantCulture));
                      return long.Parse(columns[1], CultureInfo.InvariantCulture);
                  });
              }).Order()]
            : [.. files.Values.SelectMany(lines => lines).Select(long.Parse).Order()];

    [Fact]
    public async Task A_final_part_file_write_that_fails_during_a_drain_makes_the_job_drain_again_and_each_record_is_committed_once()
    {
        const string job = FileOutputJob.DrainFailureName;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1) });
        var numbers = Enumerable.Range(0, 6_000).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();
        await driver.PushAsync(numbers.Take(2_000), retryFor: TimeSpan.FromSeconds(60));
        var first = await driver.Coordinator.TriggerCheckpointAsync();
        await Eventually.TrueAsync(async () => (await fixture.OutputFilesAsync($"{job}/")).Values.Sum(f => f.Length) == 2_000, "checkpoint 1's part files");

        // A checkpoint that every sink pre-committed its records for, but that never completes: its manifest cannot be written.
        await driver.PushAsync(numbers.Skip(2_000).Take(2_000), retryFor: TimeSpan.FromSeconds(60));
        long? second;
        using (FaultInjectingGrainStorage.FailWrites((state, key) => key == job && state.StartsWith("manifest-", StringComparison.Ordinal)))
        {
            second = await driver.Coordinator.TriggerCheckpointAsync();
            await Eventually.TrueAsync(async () => (await driver.Coordinator.GetCheckpointsAsync()).Any(c => c.Id == second && c.Status == CheckpointStatus.Aborted), "checkpoint 2 to be aborted");
        }

        await driver.PushAsync(numbers.Skip(4_000), retryFor: TimeSpan.FromSeconds(60));
        using (var hold = FaultInjectingOutputFiles.HoldCreates(path => path.Contains("/part-0000-", StringComparison.Ordinal) && path.EndsWith("-final.jsonl", StringComparison.Ordinal)))
        {
            // The moment: the job drains; partition 1 commits its final part file, partition 0's is under way.
            Assert.Equal(JobStatus.Draining, (await driver.Manager.StopAsync(drain: true)).Status);
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingOutputFiles.Held == 1), "partition 0's final part file to be held");
            await Eventually.TrueAsync(async () => (await fixture.OutputFilesAsync($"{job}/")).Keys.Any(k => k.Contains("/part-0001-", StringComparison.Ordinal) && k.EndsWith("-final.jsonl", StringComparison.Ordinal)), "partition 1's final part file");
            Assert.Equal(JobStatus.Draining, (await driver.Manager.StopAsync(drain: true)).Status); // asked again: still the one drain
            var late = fixture.Client.GetGrain<ISourceGrain>($"{job}/numbers/1"); // it ended its input: a late push is refused, not a failure
            await Assert.ThrowsAsync<Errors.JobNotRunningException>(() => late.PushAsync(new PushBatch("late", 1, 1, ["7"])));
            Assert.Equal(0, (await driver.Manager.GetInfoAsync()).Restarts);
            await fixture.Cluster.DeactivateAsync(driver.Manager); // its next activation supervises the drain (and tells the sources again)
            Assert.Equal(JobStatus.Draining, (await driver.Manager.GetInfoAsync()).Status);
            hold.Fail(); // the write fails: a failure during a drain, recovered from like any other
        }

        var finished = await driver.DrainAsync();
        Assert.Equal(JobStatus.Finished, finished.Status);
        Assert.Equal(1, finished.Restarts);
        Assert.Equal(first, finished.RestoredCheckpoint);
        var files = await fixture.OutputFilesAsync($"{job}/");
        Assert.DoesNotContain(files.Keys, name => name.Contains($"-{second:D10}", StringComparison.Ordinal)); // the aborted checkpoint's records went into the final commit
        var written = files.Values.SelectMany(lines => lines).Select(long.Parse).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 6_000).Select(n => n * 2L), written); // every record once: none lost, none twice
    }
}
