using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OrleansCheckpoint.Cli.Connection;
using OrleansCheckpoint.Cli.Jobs;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.Verification;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>One fault in a seed's result: what was planned, what it hit, when, and how long the job took to run again.</summary>
/// <param name="Kind">kill-silo, deactivate-instance or fail-storage-writes.</param>
/// <param name="AtEvent">The moment: once this many events were acknowledged.</param>
/// <param name="Target">What it hit.</param>
/// <param name="InjectedAtS">When, in seconds from the seed's start.</param>
/// <param name="RecoveryMs">From the fault to the job running again after the restart it caused; null if it caused none.</param>
internal sealed record FaultResult(string Kind, long AtEvent, string Target, double InjectedAtS, double? RecoveryMs);

/// <summary>What one seed did and whether its committed output equals the oracle's.</summary>
internal sealed record SeedResult(
    int Seed,
    bool Passed,
    string? FirstDifference,
    long Events,
    long LateClicks,
    int Windows,
    int Restarts,
    long? LastCheckpoint,
    double DurationS,
    IReadOnlyList<FaultResult> Faults,
    string Logs,
    int PushAttempts = 1);

/// <summary>
/// One seed of <c>client chaos</c>: a cluster of its own, the verification job, the seed's clicks pushed through the real
/// client path while the seed's faults are injected, a drain, and the committed output compared with the oracle.
/// </summary>
internal sealed class ChaosRun(ChaosSettings settings, string storage, string runId, string directory, Action<string> progress)
{
    /// <summary>The faults to inject instead of the seed's schedule (tests pin them).</summary>
    public IReadOnlyList<PlannedFault>? Faults { get; init; }

    /// <summary>Settings the silos take beside the cluster's own (tests change membership's).</summary>
    public IReadOnlyDictionary<string, string>? SiloSettings { get; init; }

    /// <summary>How the client finds the cluster; by default through its membership table.</summary>
    public Func<ChaosCluster, ConnectionSettings>? Connect { get; init; }

    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(180);
    private const string Job = VerificationJob.Name;

    public async Task<SeedResult> RunAsync(int seed, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var clicks = ClickStream.Generate(seed, settings.Events, ChaosSettings.LateFraction);
        var oracle = VerificationOracle.Of(clicks, ChaosSettings.BatchSize, settings.Parallelism);
        var plan = Faults ?? FaultPlan.For(seed, settings.Events, settings.Silos);
        var logs = Path.Combine(directory, $"seed-{seed}");
        Directory.CreateDirectory(logs);

        await using var cluster = await ChaosCluster.StartAsync(storage, settings.Silos, $"chaos{runId}s{seed}", logs, cancellation, SiloSettings);
        progress($"seed {seed}: {settings.Silos} silos up in {clock.Elapsed.TotalSeconds:0.0} s; {plan.Count} faults planned");
        var connect = Connect?.Invoke(cluster) ?? cluster.Connection;
        await using var connection = await ClusterConnection.ConnectAsync(connect with { ResponseTimeout = TimeSpan.FromSeconds(10) }, cancellation);
        var client = connection.Client;
        var job = client.GetGrain<IJobManagerGrain>(Job);
        var retry = new PushRetryPolicy(RetryFor);
        var started = await retry.ExecuteAsync(
            () => job.StartAsync(new JobStartOptions(settings.Parallelism, RestartOverrides: new RestartOverrides { MaxAttempts = 1_000 })), // faults come faster than the default 10 in 5 min
            null,
            cancellation);
        var instances = started.Operators.SelectMany(o => Enumerable.Range(0, o.Parallelism).Select(p => new TaskId(Job, o.Uid, p).GrainKey)).ToList();

        await using var monitor = new JobMonitor(job, clock);
        var injector = new FaultInjector(cluster, client, plan, instances, clock);
        var pushAttempts = await PushAsync(client, clicks, injector, seed, cancellation);
        await injector.FinishAsync();

        var drained = await retry.ExecuteAsync(() => JobDrain.StopAndWaitAsync(job, DrainTimeout, cancellation), null, cancellation);
        string? difference;
        if (drained.Status != JobStatus.Finished)
        {
            difference = $"the job ended {drained.Status} instead of Finished: {drained.FailureReason ?? drained.LastFailure}";
        }
        else
        {
            difference = oracle.FirstDifference(await CommittedAsync(cluster, Job, job, oracle, cancellation));
        }

        var injected = injector.Injected;
        var faults = injected.Select((f, i) => new FaultResult(
            Kebab(f.Plan.Kind), f.Plan.AtEvent, f.Target, Math.Round(f.At, 2), monitor.RecoveryMs(f.At, i + 1 < injected.Count ? injected[i + 1].At : double.MaxValue) is { } ms ? Math.Round(ms) : null)).ToList();
        return new SeedResult(
            seed, difference is null, difference, clicks.Count, oracle.LateClicks, oracle.Windows.Count, drained.Restarts, drained.LastCompletedCheckpoint,
            Math.Round(clock.Elapsed.TotalSeconds, 1), faults, logs, pushAttempts);
    }

    /// <summary>
    /// Pushes the clicks as an application does, with the library's <see cref="IEventProducer"/> (typed records, batches of
    /// <see cref="ChaosSettings.BatchSize"/>, no lingering: the batches and their partitions are those the oracle assumes).
    /// A push that gives up is pushed again whole under the same producer id with <see cref="EventProducerOptions.Replay"/>
    /// (the sources recognise what they logged), up to three times. Returns how many pushes it took.
    /// </summary>
    private async Task<int> PushAsync(IClusterClient client, List<Click> clicks, FaultInjector injector, int seed, CancellationToken cancellation)
    {
        var app = new CheckpointClient(client);
        for (var attempt = 1; ; attempt++)
        {
            long acknowledged = 0;
            await using var producer = app.CreateProducer(new EventProducerOptions
            {
                ProducerId = $"chaos-{seed}",
                Replay = attempt > 1,
                BatchSize = ChaosSettings.BatchSize,
                Linger = Timeout.InfiniteTimeSpan,
                RetryFor = RetryFor,
                Acknowledged = n => injector.OnAcknowledged(Interlocked.Add(ref acknowledged, n)),
            });
            try
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < clicks.Count; i++)
                {
                    if (settings.Rate > 0 && i % ChaosSettings.BatchSize == 0 && TimeSpan.FromSeconds(i / settings.Rate) - clock.Elapsed is var due && due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellation);
                    }

                    await producer.ProduceAsync(Job, clicks[i], cancellation);
                }

                await producer.FlushAsync(cancellation);
                return attempt;
            }
            catch (EventProducerException e) when (attempt < 3 && !cancellation.IsCancellationRequested)
            {
                progress($"seed {seed}: the push gave up ({ErrorCauses.FirstLine(e.InnerException?.Message ?? e.Message)}); pushing again with the same producer id");
            }
        }
    }

    /// <summary>What job <paramref name="name"/> (of <see cref="VerificationJob"/>'s shape) committed: its windows, buckets and the users' totals.</summary>
    internal static async Task<CommittedOutput> CommittedAsync(ChaosCluster cluster, string name, IJobManagerGrain job, VerificationOracle oracle, CancellationToken cancellation)
    {
        var container = new BlobServiceClient(cluster.Connection.MembershipStorage, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06))
            .GetBlobContainerClient(cluster.OutputContainer);
        var windows = (await LinesAsync(container, $"{name}/{VerificationJob.WindowFiles}/", cancellation))
            .Select(l => JsonSerializer.Deserialize<WindowResult<string, long>>(l, JsonLines.DefaultOptions)!)
            .Select(w => (w.Key, w.Start.ToUnixTimeMilliseconds(), w.Value))
            .ToList();
        var buckets = (await LinesAsync(container, $"{name}/{VerificationJob.BucketFiles}/", cancellation))
            .Select(l => JsonSerializer.Deserialize<BucketCount>(l, JsonLines.DefaultOptions)!)
            .ToList();
        var totals = new Dictionary<string, long?>();
        foreach (var user in oracle.UserTotals.Keys)
        {
            var value = (await new PushRetryPolicy(RetryFor).ExecuteAsync(() => job.QueryAsync(user), null, cancellation)).ValueJson;
            totals[user] = value is null ? null : long.Parse(value, CultureInfo.InvariantCulture);
        }

        return new CommittedOutput(windows, buckets, totals);
    }

    private static async Task<List<string>> LinesAsync(BlobContainerClient container, string prefix, CancellationToken cancellation)
    {
        var lines = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellation))
        {
            var content = (await container.GetBlobClient(blob.Name).DownloadContentAsync(cancellation)).Value.Content.ToString();
            lines.AddRange(content.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        return lines;
    }

    private static string Kebab(FaultKind kind) => kind switch
    {
        FaultKind.KillSilo => "kill-silo",
        FaultKind.KillManagerSilo => "kill-manager-silo",
        FaultKind.DeactivateInstance => "deactivate-instance",
        _ => "fail-storage-writes",
    };
}
