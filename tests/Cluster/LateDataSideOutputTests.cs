using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Allowed lateness and the late-data side output on the cluster. Clicks of 7 users, up to 0.5 s out of order, with late
/// clicks mixed in: some late for their window but within its lateness (each makes the window fire again with its updated
/// count), some later than that (each goes to the side output). The source has one partition, so each window instance
/// reads one channel and every decision follows from the order of the input alone; the late clicks are late by margins
/// wider than a push batch, so batching (live or replayed) cannot change them. The committed results — first firings and
/// re-firings — and the side-output clicks equal what is computed here from the clicks alone, each committed once, also
/// when the window's instance is lost after a checkpoint taken with fired windows still kept for late clicks.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LateDataSideOutputTests(ClusterFixture fixture)
{
    private const string OnTime = "on-time";
    private const string WithinLateness = "within";
    private const string BeyondLateness = "beyond";

    [Fact]
    public async Task Window_results_with_refirings_and_the_late_side_output_equal_the_oracle()
    {
        const string job = LateSideOutputJob.Name;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var clicks = Clicks(seed: 5, count: 12_000);

        await ClickWindows.PushClicksAsync(driver, clicks, "all");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        await AssertOutputAsync(job, clicks);
        var metrics = await driver.Manager.GetMetricsAsync();
        Assert.Equal((0L, clicks.Count(c => c.Page == BeyondLateness)), (metrics.LateRecordsDropped, metrics.LateRecordsSideOutput));
    }

    [Fact]
    public async Task Refirings_and_side_output_equal_the_oracle_and_are_committed_once_when_the_window_instance_is_lost_after_a_checkpoint()
    {
        const string job = LateSideOutputJob.FailureName;
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var clicks = Clicks(seed: 8, count: 12_000);
        var (first, second) = (clicks[..6_000], clicks[6_000..]);

        await ClickWindows.PushClicksAsync(driver, first, "first");
        var checkpoint = await driver.CheckpointAsync(); // fired windows kept for late clicks in it
        await ClickWindows.PushClicksAsync(driver, second[..2_000], "second");
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorInstanceGrain>($"{job}/user-windows/1"));
        var info = await Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= 1 && i.Status == JobStatus.Running, "the job to recover");
        Assert.Equal(checkpoint, info.RestoredCheckpoint);
        await ClickWindows.PushClicksAsync(driver, second[2_000..], "rest");
        Assert.Equal(JobStatus.Finished, (await driver.DrainAsync()).Status);

        await AssertOutputAsync(job, clicks);
    }

    private async Task AssertOutputAsync(string job, List<Click> clicks)
    {
        var results = (await fixture.OutputFilesAsync($"{job}/window-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<WindowResult<string, long>>(line, JsonSerializerOptions.Web)!)
            .Select(w => (w.Key, Start: w.Start.ToUnixTimeMilliseconds(), Count: w.Value))
            .ToList();
        var late = (await fixture.OutputFilesAsync($"{job}/late-files/")).Values.SelectMany(lines => lines)
            .Select(line => JsonSerializer.Deserialize<Click>(line, JsonSerializerOptions.Web)!)
            .ToList();

        var expected = ExpectedResults(clicks);
        var refirings = clicks.Count(c => c.Page == WithinLateness); // each fires its window again
        Assert.True(refirings > 100, $"only {refirings} clicks within the lateness: the clicks should make many");
        Assert.Equal(expected.Order(), results.Order()); // every first firing and re-firing, each once
        var expectedLate = clicks.Where(c => c.Page == BeyondLateness).ToList();
        Assert.True(expectedLate.Count > 100, $"only {expectedLate.Count} clicks beyond the lateness");
        Assert.Equal(expectedLate.OrderBy(c => (c.User, c.Ts)), late.OrderBy(c => (c.User, c.Ts)));
    }

    /// <summary>
    /// Every result the windows emit, computed from the clicks alone: each (user, window)'s count of on-time clicks when the
    /// watermark passes its end, then, for each click within the lateness (in input order), the window's count so far.
    /// </summary>
    private static List<(string Key, long Start, long Count)> ExpectedResults(List<Click> clicks)
    {
        var size = (long)LateSideOutputJob.WindowSize.TotalMilliseconds;
        var counts = clicks.Where(c => c.Page == OnTime).GroupBy(c => (c.User, Start: c.Ts - (c.Ts % size))).ToDictionary(g => g.Key, g => (long)g.Count());
        var results = counts.Select(c => (c.Key.User, c.Key.Start, c.Value)).ToList();
        foreach (var click in clicks.Where(c => c.Page == WithinLateness))
        {
            var window = (click.User, click.Ts - (click.Ts % size));
            counts[window] = counts.GetValueOrDefault(window) + 1;
            results.Add((window.User, window.Item2, counts[window]));
        }

        return results;
    }

    /// <summary>
    /// A click every 2 ms of event time (7 users, up to 0.5 s out of order: never late with a 1 s bound), and after the first
    /// 2 s, with one in 25 a click 12.5–20 s late (its 5 s window has fired whatever the batching, and the 20 s lateness
    /// keeps it), with one in 33 a click 35–45 s late (beyond the lateness). The page names which kind a click is.
    /// </summary>
    private static List<Click> Clicks(int seed, int count)
    {
        var random = new Random(seed);
        var clicks = new List<Click>(count * 11 / 10);
        for (var i = 0; i < count; i++)
        {
            var now = ClickWindows.T0 + (2L * i);
            clicks.Add(new Click($"u{random.Next(7)}", OnTime, now - random.Next(0, 500)));
            if (i < 1_000)
            {
                continue;
            }

            var roll = random.Next(100);
            if (roll < 4)
            {
                clicks.Add(new Click($"u{random.Next(7)}", WithinLateness, now - random.Next(12_500, 20_000)));
            }
            else if (roll < 7)
            {
                clicks.Add(new Click($"u{random.Next(7)}", BeyondLateness, now - random.Next(35_000, 45_000)));
            }
        }

        return clicks;
    }
}

/// <summary>
/// Clicks from a one-partition source counted per user in 5 s windows with 20 s of allowed lateness; results to part
/// files, clicks beyond the lateness to a side output and from there to part files of their own.
/// </summary>
public sealed class LateSideOutputJob : IStreamJob
{
    public const string Name = "late-side";
    public const string FailureName = "late-side-loss";
    public static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Lateness = TimeSpan.FromSeconds(20);

    public void Build(JobBuilder job)
    {
        var tooLate = new OutputTag<Click>("too-late");
        var counts = job.Source("clicks", JsonLines.Parser<Click>(), WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1), c => DateTimeOffset.FromUnixTimeMilliseconds(c.Ts)))
            .WithParallelism(1)
            .KeyBy(c => c.User)
            .Window(TumblingEventTimeWindows.Of(WindowSize))
            .AllowedLateness(Lateness)
            .SideOutputLateData(tooLate)
            .Count("user-windows");
        counts.ToFiles("window-files");
        counts.GetSideOutput(tooLate).ToFiles("late-files");
    }
}
