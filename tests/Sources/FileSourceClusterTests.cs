using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.ClickWindows;

namespace OrleansCheckpoint.Tests.Sources;

/// <summary>
/// File sources on the two-silo cluster with Azurite. The oracle is the files' content: the windows of the on-time
/// clicks, every click in the user totals, every malformed line one dead letter — also when an instance is lost
/// mid-file and the job rolls back to a checkpoint and reads on from the file and offset it holds.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FileSourceClusterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_bounded_file_source_reads_every_file_once_its_windows_and_totals_match_the_files_and_the_job_finishes_by_itself()
    {
        const string job = FileClicksJob.Bounded;
        var files = await UploadAsync(job, 3);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);

        var info = await FinishedAsync(driver);

        Assert.Equal(JobStatus.Finished, info.Status);
        await AssertOutputAsync(driver, job, files);
        var metrics = await driver.Manager.GetMetricsAsync();
        Assert.Equal(files.Sum(f => f.All.Count() + f.BadLines.Count), metrics.EventsAccepted);
        Assert.Equal(files.Sum(f => f.BadLines.Count), metrics.DeadLetters);
    }

    [Fact]
    public async Task Deactivating_the_source_instance_mid_file_rolls_back_and_every_record_and_dead_letter_is_counted_once()
    {
        const string job = FileClicksJob.Deactivated;
        var files = await UploadAsync(job, 4);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null && (await driver.Manager.GetMetricsAsync()).DeadLetters >= 1, "a checkpoint after a dead letter");

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/clicks/0"));
        var info = await FinishedAsync(driver);

        Assert.Equal(JobStatus.Finished, info.Status);
        Assert.True(info.Restarts >= 1, $"the job did not recover (restarts {info.Restarts}); it may have finished before the deactivation");
        Assert.NotNull(info.RestoredCheckpoint);
        await AssertOutputAsync(driver, job, files);
        Assert.Equal(files.Sum(f => f.BadLines.Count), (await driver.Manager.GetMetricsAsync()).DeadLetters);
    }

    [Fact]
    public async Task A_watched_prefix_reads_files_added_while_the_job_runs_also_ones_whose_names_sort_first()
    {
        const string job = FileClicksJob.Watched;
        var first = ClickFile.Json($"{job}/m-first.jsonl", 0);
        await first.UploadAsync(fixture);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).EventsAccepted == first.All.Count() + first.BadLines.Count, "the first file to be read");

        // Later files hold later clicks (a file of older ones would be late at the windows), under names before and after.
        ClickFile[] later = [ClickFile.Json($"{job}/a-second.jsonl", 1), ClickFile.Json($"{job}/z-third.jsonl", 2)];
        foreach (var file in later)
        {
            await file.UploadAsync(fixture);
            var expected = first.All.Count() + first.BadLines.Count + later.TakeWhile(f => f != file).Sum(f => f.All.Count() + f.BadLines.Count) + file.All.Count() + file.BadLines.Count;
            await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).EventsAccepted == expected, $"{file.Name} to be read");
        }

        Assert.Equal(JobStatus.Running, (await driver.Manager.GetInfoAsync()).Status);
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertOutputAsync(driver, job, [first, .. later]);
    }

    [Fact]
    public async Task A_watched_source_stopped_with_a_savepoint_and_started_from_it_reads_the_files_added_meanwhile_and_none_again()
    {
        const string job = FileClicksJob.Resumed;
        var first = ClickFile.Json($"{job}/b-first.jsonl", 0);
        await first.UploadAsync(fixture);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).EventsAccepted == Lines(first), "the first file to be read");
        var savepoint = await driver.SavepointAsync(stop: true);
        Assert.True(savepoint.Stopped);

        var second = ClickFile.Json($"{job}/a-second.jsonl", 1);
        await second.UploadAsync(fixture);
        await driver.Manager.StartAsync(new JobStartOptions(2, Checkpoints, FromSnapshot: savepoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        // The counters start again with the new run: they count the second file only, so the first was not read again.
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).EventsAccepted == Lines(second), "the second file to be read");
        await Task.Delay(600); // three discovery intervals: nothing more is read
        Assert.Equal(Lines(second), (await driver.Manager.GetMetricsAsync()).EventsAccepted);
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertOutputAsync(driver, job, [first, second]);
    }

    [Fact]
    public async Task Csv_rows_read_by_two_instances_one_lost_mid_file_are_counted_once_and_each_bad_row_is_one_dead_letter_in_the_named_location()
    {
        const string job = FileCsvJob.Name;
        var files = Enumerable.Range(0, 6).Select(i => ClickFile.Csv($"{job}/day-{i}.csv", i, rows: 700)).ToList();
        foreach (var file in files)
        {
            await file.UploadAsync(fixture);
        }

        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null && (await driver.Manager.GetMetricsAsync()).DeadLetters >= 2, "a checkpoint after dead letters");

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/rows/1"));
        var info = await FinishedAsync(driver);

        Assert.Equal(JobStatus.Finished, info.Status);
        Assert.True(info.Restarts >= 1, $"the job did not recover (restarts {info.Restarts})");
        await AssertUserTotalsAsync(driver, files.SelectMany(f => f.All));
        var expectedLetters = files.SelectMany(f => f.BadLines.Select(l => (f.Name, l))).Order().ToList();
        var container = FileClickFiles();
        Assert.Equal(expectedLetters, (await ClickFile.DeadLettersAsync(container, $"bad-rows/{job}/rows/")).Order().ToList());
        Assert.Equal(expectedLetters.Count, (await driver.Manager.GetMetricsAsync()).DeadLetters);
        var metrics = await CliMetricsAsync(job);
        Assert.Contains(expectedLetters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_savepoint_of_a_file_source_is_refused_at_another_parallelism_naming_the_source_and_restores_at_its_own()
    {
        const string job = FileCsvJob.Rescaled;
        var file = ClickFile.Csv($"{job}/day-0.csv", 0, rows: 300);
        await file.UploadAsync(fixture);
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetMetricsAsync()).EventsAccepted == file.All.Count() + file.BadLines.Count, "the file to be read");
        var savepoint = await driver.SavepointAsync(stop: true);
        var from = savepoint.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var refused = await Assert.ThrowsAsync<Errors.InvalidJobSettingsException>(() => driver.Manager.StartAsync(new JobStartOptions(3, Checkpoints, FromSnapshot: from)));
        Assert.Contains("'rows'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be restored at another parallelism", refused.Message, StringComparison.Ordinal);

        await driver.Manager.StartAsync(new JobStartOptions(2, Checkpoints, FromSnapshot: from));
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);
        await AssertUserTotalsAsync(driver, file.All);
    }

    private static long Lines(ClickFile file) => file.All.Count() + file.BadLines.Count;

    internal static readonly CheckpointSettings Checkpoints = new() { Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(10) };

    internal static Task<JobInfo> FinishedAsync(JobDriver driver) =>
        Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status is JobStatus.Finished or JobStatus.Failed, "the job to finish by itself", TimeSpan.FromSeconds(90));

    /// <summary>Uploads <paramref name="count"/> JSON-lines files of consecutive slices under <paramref name="job"/>'s prefix.</summary>
    internal static async Task<List<ClickFile>> UploadAsync(ClusterFixture fixture, string job, int count)
    {
        var files = Enumerable.Range(0, count).Select(i => ClickFile.Json($"{job}/part-{i:D2}.jsonl", i)).ToList();
        foreach (var file in files)
        {
            await file.UploadAsync(fixture);
        }

        return files;
    }

    /// <summary>The windows of the on-time clicks committed once each, every click in the user totals, every bad line one dead letter (default location).</summary>
    internal static async Task AssertOutputAsync(ClusterFixture fixture, JobDriver driver, string job, IReadOnlyList<ClickFile> files)
    {
        AssertEqual(Expected(files.SelectMany(f => f.OnTime)), await CommittedAsync(fixture, job));
        await AssertUserTotalsAsync(driver, files.SelectMany(f => f.All));
        var letters = await ClickFile.DeadLettersAsync(fixture.Container(fixture.OutputContainer), $"dead-letters/{job}/clicks/");
        Assert.Equal(files.SelectMany(f => f.BadLines.Select(l => (f.Name, l))).Order(), letters.Order());
    }

    private Task<List<ClickFile>> UploadAsync(string job, int count) => UploadAsync(fixture, job, count);

    private Task AssertOutputAsync(JobDriver driver, string job, IReadOnlyList<ClickFile> files) => AssertOutputAsync(fixture, driver, job, files);

    private Azure.Storage.Blobs.BlobContainerClient FileClickFiles() => ClickFile.Files(fixture);

    private async Task<string> CliMetricsAsync(string job)
    {
        var run = await OrleansCheckpoint.Tests.Client.ClientCommandLineRun.RunAsync(fixture.Client, "metrics", job);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("dead letters", run.Out, StringComparison.Ordinal);
        return run.Out;
    }
}
