using System.Diagnostics;
using System.Text.Json;
using OrleansCheckpoint.Cli.Checkpoints;
using OrleansCheckpoint.Cli.Commands;
using OrleansCheckpoint.Cli.Connection;
using OrleansCheckpoint.Cli.Jobs;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Cli.Push;
using OrleansCheckpoint.Cli.Results;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Demo;

/// <summary>
/// <c>client demo</c>: starts Azurite and a silo in this process, runs <c>request-counter</c> over generated
/// requests while printing its window counts, drains it, and checks its answers against counts computed here.
/// Everything it started is stopped again, also on errors and Ctrl+C.
/// </summary>
internal sealed class DemoScenario(DemoSettings settings, ConsoleOutput output)
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ResultsQuietPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ResultsQuietTimeout = TimeSpan.FromSeconds(30);

    private const string Job = RequestCounterJob.Name;

    public async Task<int> RunAsync(ConnectionSettings ids, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await LocalCluster.StartAsync(ids, output.Line, cancellation);
        await using var connection = await ClusterConnection.ConnectAsync(cluster.Connection, cancellation);
        var client = connection.Client;
        var jobManager = client.GetGrain<IJobManagerGrain>(Job);

        var started = await jobManager.StartAsync(new JobStartOptions(settings.Parallelism));
        output.Line($"Job: {Job} running (generation {started.Generation}, parallelism {started.Parallelism}; checkpoints: {(started.Checkpointing is { } checkpointing ? JobViews.Describe(checkpointing) : "-")})");

        var windows = new WindowTally();
        await using var results = await ResultsSubscription.SubscribeAsync(client, Job);
        var printing = PrintWindowsAsync(results, windows);

        var pace = settings.Rate > 0 ? $"at {settings.Rate:N0}/s" : "as fast as the job takes them";
        output.Line($"Pushing {settings.Events:N0} requests {pace} (seed {settings.Seed}, event time {DemoSettings.EventTimeRate:N0}/s, {DemoSettings.LateFraction:P1} of them 30 s late)…");
        var input = PushInput.Generate(settings.Events, settings.Seed, DemoSettings.EventTimeRate, DemoSettings.LateFraction);
        var pushSettings = new PushSettings(PushSettings.DefaultBatchSize, settings.Rate > 0 ? settings.Rate : null);
        var pushed = await JobPush.RunAsync(client, Job, input, pushSettings, output, cancellation);
        output.Line($"Pushed {pushed.Accepted:N0} events in {pushed.Elapsed.TotalSeconds:0.00} s ({pushed.EventsPerSecond:N0} events/s); draining…");

        var drained = await JobDrain.StopAndWaitAsync(jobManager, DrainTimeout, cancellation);
        if (drained.Status != JobStatus.Finished)
        {
            throw new ClientException($"job '{Job}' ended {drained.Status} instead of Finished{(drained.FailureReason is { } reason ? $": {reason}" : string.Empty)}");
        }

        await WaitUntilQuietAsync(results, cancellation);
        await results.DisposeAsync();
        await printing;

        var expected = ExpectedCounts.PerEndpoint(settings);
        var endpoints = new List<EndpointTotals>();
        foreach (var endpoint in RequestGenerator.Endpoints)
        {
            var queried = await jobManager.QueryAsync(endpoint);
            endpoints.Add(new EndpointTotals(endpoint, expected[endpoint], queried.ValueJson is { } json ? JsonSerializer.Deserialize<long>(json) : null, windows.SumOf(endpoint)));
        }

        var metrics = await jobManager.GetMetricsAsync();
        var checkpoints = await client.GetGrain<ICheckpointCoordinatorGrain>(Job).GetCheckpointsAsync();
        var report = new DemoReport(
            endpoints,
            EventsPushed: pushed.Accepted,
            WindowsEmitted: windows.Windows,
            WindowCountSum: windows.Total,
            LateEventsDropped: metrics.LateRecordsDropped,
            Seconds: Math.Round(pushed.Elapsed.TotalSeconds, 3),
            EventsPerSecond: Math.Round(pushed.EventsPerSecond),
            TotalSeconds: Math.Round(clock.Elapsed.TotalSeconds, 1),
            Checkpoints: CheckpointFigures.Of(checkpoints));
        output.Data(report, r => r.Render());
        output.Line("Stopping the client, the silo and Azurite (if the demo started it)…");
        return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private async Task PrintWindowsAsync(ResultsSubscription results, WindowTally windows)
    {
        await foreach (var record in results.Records.ReadAllAsync())
        {
            windows.Add(record);
            output.Line(WindowCount.Describe(record));
        }
    }

    /// <summary>Waits until no result has arrived for <see cref="ResultsQuietPeriod"/>: the last windows were delivered.</summary>
    private static async Task WaitUntilQuietAsync(ResultsSubscription results, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (results.SinceLastArrival < ResultsQuietPeriod && clock.Elapsed < ResultsQuietTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation);
        }
    }
}
