using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using Xunit;
using Request = OrleansCheckpoint.Jobs.RequestCounter.Request;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// The steps the failure tests of the request-counter job share: a seeded stream of requests, waiting for a
/// checkpoint or a recovery, and the final comparison of what the sinks committed with <see cref="RequestOracle"/>.
/// </summary>
public static class RequestCounterRun
{
    /// <summary>How long the failure tests' pushes retry (a push waits out a recovery).</summary>
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    /// <summary>Checkpoints every 150 ms, three retained.</summary>
    public static readonly CheckpointSettings Checkpoints = new() { Interval = TimeSpan.FromMilliseconds(150), Timeout = TimeSpan.FromSeconds(10), Retained = 3 };

    /// <summary>Checkpoints only when a test triggers one, three retained.</summary>
    public static readonly CheckpointSettings Manual = new() { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 3 };

    /// <summary>A seeded stream of requests and their JSON lines.</summary>
    public static (List<Request> Requests, List<string> Lines) Stream(int seed, int count)
    {
        var requests = new RequestGenerator(seed, eventsPerSecond: 500).Take(count).ToList();
        return (requests, requests.Select(RequestGenerator.ToJsonLine).ToList());
    }

    /// <summary>Waits until a checkpoint after <paramref name="after"/> has completed.</summary>
    public static Task CompletedCheckpointAsync(JobDriver driver, long after = 0) =>
        Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint > after, $"a checkpoint after {after} to complete", TimeSpan.FromSeconds(60));

    /// <summary>Waits until the job has restarted at least <paramref name="restarts"/> times and runs again.</summary>
    public static Task<JobInfo> RecoveredAsync(JobDriver driver, int restarts = 1) =>
        Eventually.ValueAsync(() => driver.Manager.GetInfoAsync(), i => i.Restarts >= restarts && i.Status == JobStatus.Running, "the job to recover", TimeSpan.FromSeconds(60));

    /// <summary>Drains the job and compares the committed table (and, if asked, the committed windows) with counts of the pushed events.</summary>
    public static async Task AssertOutputEqualsOracleAsync(JobDriver driver, IReadOnlyList<Request> pushed, bool windows)
    {
        var finished = await driver.DrainAsync();
        Assert.Equal(JobStatus.Finished, finished.Status);
        var expected = RequestOracle.Totals(pushed).ToDictionary(t => t.Key, t => t.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var committed = new Dictionary<string, string>();
        foreach (var endpoint in RequestGenerator.Endpoints)
        {
            var result = await driver.Manager.QueryAsync(endpoint);
            Assert.True(result.Committed);
            if (result.ValueJson is { } value)
            {
                committed[endpoint] = value;
            }
        }

        Assert.Equal(expected, committed);
        if (windows)
        {
            var expectedWindows = RequestOracle.Windows(pushed);
            var results = await driver.ResultsAsync<WindowCount>(expectedWindows.Count);
            Assert.Equal(expectedWindows.Count, results.Count); // each window exactly once
            Assert.Equal(expectedWindows, results.ToDictionary(w => (w.Key, w.Start), w => w.Value));
        }
    }

    private sealed record WindowCount(string Key, DateTimeOffset Start, DateTimeOffset End, long Value);
}
