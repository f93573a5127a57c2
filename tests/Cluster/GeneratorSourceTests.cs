using System.Globalization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Jobs whose source generates its input (<see cref="JobBuilder.Generate{T}"/>) on the two-silo cluster with
/// Azurite: the keyed counts they end with equal a count made here over the same indices, they finish
/// without a drain, and a failure mid-run rolls back to a checkpoint and regenerates from its offsets.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GeneratorSourceTests(ClusterFixture fixture)
{

    [Fact]
    public async Task A_generated_jobs_keyed_counts_equal_an_independent_count_of_the_indices()
    {
        await using var driver = new JobDriver(fixture.Client, GeneratedCountJob.Exact);
        await driver.StartAsync(parallelism: 3, Checkpoints); // 3 does not divide the count: the shares differ

        var info = await FinishedAsync(driver);

        Assert.Equal(JobStatus.Finished, info.Status);
        Assert.Equal(GeneratedCountJob.ExpectedCounts(GeneratedCountJob.ExactCount), await QueryCountsAsync(driver));
        Assert.Equal(GeneratedCountJob.ExactCount, (await driver.Manager.GetMetricsAsync()).EventsAccepted);
    }

    [Fact]
    public async Task A_generated_job_finishes_by_itself_also_when_a_partition_has_nothing_to_generate()
    {
        await using var driver = new JobDriver(fixture.Client, GeneratedCountJob.Tiny);
        var started = await driver.StartAsync(parallelism: 2, Checkpoints); // one index: partition 1 has none

        var info = await FinishedAsync(driver);

        Assert.Equal(JobStatus.Running, started.Status);
        Assert.Equal(JobStatus.Finished, info.Status);
        Assert.Equal(0, info.Restarts);
        Assert.Equal(GeneratedCountJob.ExpectedCounts(1), await QueryCountsAsync(driver));
    }

    [Fact]
    public async Task Deactivating_an_instance_mid_run_rolls_back_and_the_regenerated_counts_are_still_exact()
    {
        await using var driver = new JobDriver(fixture.Client, GeneratedCountJob.Slow);
        await driver.StartAsync(parallelism: 2, Checkpoints);
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null, "a checkpoint to complete");

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{GeneratedCountJob.Slow}/counts/1"));
        var info = await FinishedAsync(driver);

        Assert.Equal(JobStatus.Finished, info.Status);
        Assert.True(info.Restarts >= 1, $"the job did not recover (restarts {info.Restarts}); it may have finished before the deactivation");
        Assert.NotNull(info.RestoredCheckpoint);
        Assert.Equal(GeneratedCountJob.ExpectedCounts(GeneratedCountJob.SlowCount), await QueryCountsAsync(driver));
    }

    [Fact]
    public async Task A_final_part_file_write_that_fails_when_a_generated_job_ends_makes_it_end_again_committing_each_record_once()
    {
        const string job = GeneratedFilesJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        using (var hold = FaultInjectingOutputFiles.HoldCreates(path => path.StartsWith($"{job}/parts/part-0000-", StringComparison.Ordinal) && path.EndsWith("-final.jsonl", StringComparison.Ordinal)))
        {
            // The moment: the job ends by itself; partition 1 commits its final part file, partition 0's write fails.
            await driver.StartAsync(parallelism: 2, Checkpoints);
            await Eventually.TrueAsync(() => Task.FromResult(FaultInjectingOutputFiles.Held == 1), "partition 0's final part file to be held", TimeSpan.FromSeconds(60));
            await Eventually.TrueAsync(async () => (await fixture.OutputFilesAsync($"{job}/")).Keys.Any(k => k.Contains("/part-0001-", StringComparison.Ordinal) && k.EndsWith("-final.jsonl", StringComparison.Ordinal)), "partition 1's final part file");
            hold.Fail();
        }

        var info = await FinishedAsync(driver);
        Assert.Equal(JobStatus.Finished, info.Status);
        Assert.Equal(1, info.Restarts);
        var written = (await fixture.OutputFilesAsync($"{job}/")).Values.SelectMany(lines => lines).Select(long.Parse).Order().ToList();
        Assert.Equal(Enumerable.Range(0, (int)GeneratedFilesJob.Count).Select(n => n * 2L), written); // every record once: none lost, none twice
    }

    private static Task<JobInfo> FinishedAsync(JobDriver driver) =>
        Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Status is JobStatus.Finished or JobStatus.Failed, "the job to finish by itself", TimeSpan.FromSeconds(60));

    private static async Task<Dictionary<int, long>> QueryCountsAsync(JobDriver driver)
    {
        var counts = new Dictionary<int, long>();
        for (var key = 0; key < GeneratedCountJob.Keys; key++)
        {
            if ((await driver.Manager.QueryAsync(key.ToString(CultureInfo.InvariantCulture), live: true)).ValueJson is { } json)
            {
                counts[key] = long.Parse(json, CultureInfo.InvariantCulture);
            }
        }

        return counts;
    }
}

/// <summary>
/// Generates the indices 0 … count − 1 and counts them per key (a scrambled index mod <see cref="Keys"/>), with
/// queryable counts. The slow variant sleeps a millisecond every 101 indices (odd, so every partition sleeps), so that it runs for a second or two.
/// </summary>
public sealed class GeneratedCountJob(long count, bool slow = false) : IStreamJob
{
    public const string Exact = "gen-exact";
    public const string Tiny = "gen-tiny";
    public const string Slow = "gen-slow";
    public const long ExactCount = 100_003;
    public const long SlowCount = 200_000;
    public const int Keys = 13;

    public static int KeyOf(long index) => (int)((ulong)(index * 2_654_435_761L) % Keys);

    /// <summary>The counts per key, computed without the job.</summary>
    public static Dictionary<int, long> ExpectedCounts(long count)
    {
        var counts = new Dictionary<int, long>();
        for (long i = 0; i < count; i++)
        {
            counts[KeyOf(i)] = counts.GetValueOrDefault(KeyOf(i)) + 1;
        }

        return counts;
    }

    public void Build(JobBuilder job)
    {
        var indices = job.Generate("indices", i => i, count);
        if (slow)
        {
            indices = indices.Map("slow", i =>
            {
                if (i % 101 == 0)
                {
                    Thread.Sleep(1);
                }

                return i;
            });
        }

        indices.KeyBy(KeyOf).Count("counts", queryable: true);
    }
}
