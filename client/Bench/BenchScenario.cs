using System.Globalization;
using OrleansCheckpoint.Cli.Connection;
using OrleansCheckpoint.Cli.Demo;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.Nexmark;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Bench;

/// <summary>
/// <c>client bench</c>: starts Azurite and a silo in this process (as <c>client demo</c> does), then for each query
/// runs an unmeasured warm-up, the single-threaded baseline, and the job twice to its end — without checkpoints,
/// and with exactly-once checkpoints every second to Azurite — measuring each; then pushes events through the
/// durable ingest path, and runs the large-state job (<c>BenchScenario.LargeState.cs</c>). Everything it started is
/// stopped again, also on errors and Ctrl+C.
/// </summary>
internal sealed partial class BenchScenario(BenchSettings settings, ConsoleOutput output)
{
    private const string Off = "off";
    private const string ExactlyOnce = "exactly-once";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public async Task<BenchReport> RunAsync(ConnectionSettings ids, CancellationToken cancellation)
    {
        var config = new NexmarkConfig { EventsPerSecond = settings.EventsPerSecond };
        await using var cluster = await LocalCluster.StartAsync(ids, output.Line, cancellation, Jobs(config));
        await using var connection = await ClusterConnection.ConnectAsync(cluster.Connection, cancellation);
        var client = connection.Client;
        var meter = new ProcessMeter(cluster.AzuriteProcessId);
        var generator = new NexmarkGenerator(config);
        var results = new List<BenchResult>();

        double? generatorRate = null;
        foreach (var query in settings.NexmarkQueries)
        {
            var events = settings.EventsOf(query);
            output.Line($"{query}: warming up ({settings.WarmupEventsOf(query):N0} events, not measured)…");
            await RunJobAsync(client, JobName(query, "warmup"), Off, meter, cancellation);
            if (generatorRate is null)
            {
                // Once the silo has settled (right after it starts, its own start-up work competes for the cores).
                output.Line("Measuring the Nexmark generator alone on one core…");
                QueryBaselines.GeneratorOnly(generator, 2_000_000); // long enough for the tiered JIT's optimized code
                generatorRate = Enumerable.Range(0, 3).Max(_ => QueryBaselines.GeneratorOnly(generator, Math.Min(events, 5_000_000))); // the best of three
                output.Line($"Generator alone: {generatorRate:N0} events/s on one core");
            }

            output.Line($"{query}: measuring the single-threaded baseline ({events:N0} events)…");
            QueryBaselines.Run(query, generator, Math.Min(events, 2_000_000));
            var baselineStart = meter.Sample();
            var (baseline, _) = QueryBaselines.Run(query, generator, events);
            var baselinePerCpu = events / (meter.Sample().Cpu - baselineStart.Cpu).TotalSeconds; // the silo is idle meanwhile
            output.Line($"{query}: single-threaded baseline {baseline:N0} events/s ({baselinePerCpu:N0} per CPU-second of the process, its GC included)");

            output.Line($"{query} {Off}: running {events:N0} events…");
            var off = QueryResult(query, Off, await RunJobAsync(client, JobName(query, Off), Off, meter, cancellation), (baseline, baselinePerCpu), generatorRate.Value, null);
            Report(off);
            output.Line($"{query} {ExactlyOnce}: running {events:N0} events…");
            var on = QueryResult(query, ExactlyOnce, await RunJobAsync(client, JobName(query, ExactlyOnce), ExactlyOnce, meter, cancellation), (baseline, baselinePerCpu), generatorRate.Value, off);
            Report(on);
            results.Add(off);
            results.Add(on);
        }

        if (settings.Queries.Contains(BenchSettings.Ingest) && settings.IngestEvents > 0)
        {
            var lines = IngestBench.Lines(IngestBench.DistinctLines).ToList();
            output.Line($"ingest: warming up ({settings.IngestEvents:N0} events, not measured: a shorter warm-up left the first measured run a third slower)…");
            var warmup = JobName(BenchSettings.Ingest, "warmup");
            await client.GetGrain<IJobManagerGrain>(warmup).StartAsync(new JobStartOptions(settings.Parallelism, Checkpointing(ExactlyOnce)));
            await IngestBench.PushAsync(client, warmup, lines, settings.IngestEvents, cancellation);
            await client.GetGrain<IJobManagerGrain>(warmup).StopAsync(drain: false);
            BenchResult? off = null;
            foreach (var mode in new[] { Off, ExactlyOnce })
            {
                output.Line($"ingest {mode}: pushing {settings.IngestEvents:N0} events…");
                var result = await RunIngestAsync(client, JobName(BenchSettings.Ingest, mode), mode, lines, meter, off, cancellation);
                off ??= result;
                Report(result);
                results.Add(result);
            }
        }

        if (settings.Queries.Contains(BenchSettings.LargeState))
        {
            results.AddRange(await RunLargeStateAsync(client, meter, cluster.SiloOptions.Restart.Delay, cancellation));
        }

        if (settings.Queries.Contains(BenchSettings.Recovery))
        {
            output.Line($"recovery: {settings.RecoveryQuery} with exactly-once checkpoints; an operator instance is deactivated (it loses its state) after the third checkpoint…");
            var result = await RunRecoveryAsync(client, settings.RecoveryQuery, meter, cancellation) with { RestartDelayMs = cluster.SiloOptions.Restart.Delay.TotalMilliseconds };
            output.Line(result.Status == "finished"
                ? $"recovery: failure → job running again {result.RecoveryToRunningMs:N0} ms, → processing resumed {result.RecoveryMs:N0} ms (restored {result.RestoredCheckpointBytes / 1e6:N1} MB)"
                : $"recovery: {result.Status}");
            results.Add(result);
        }

        output.Line("Stopping the client, the silo and Azurite (if the bench started it)…");
        return new BenchReport(BenchEnvironment.Current(), settings, results);
    }

    /// <summary>
    /// The jobs the bench's silo registers: per query a warm-up, an "off" and an "exactly-once" job (fresh state
    /// each), the ingest and the large-state jobs.
    /// </summary>
    private Dictionary<string, Func<IStreamJob>> Jobs(NexmarkConfig config)
    {
        var jobs = new Dictionary<string, Func<IStreamJob>>();
        foreach (var query in settings.NexmarkQueries)
        {
            jobs[JobName(query, "warmup")] = () => NexmarkQueries.Create(query, new NexmarkSettings(settings.WarmupEventsOf(query), config));
            foreach (var mode in new[] { Off, ExactlyOnce })
            {
                jobs[JobName(query, mode)] = () => NexmarkQueries.Create(query, new NexmarkSettings(settings.EventsOf(query), config));
            }
        }

        jobs[JobName(BenchSettings.Recovery, settings.RecoveryQuery)] = () => NexmarkQueries.Create(settings.RecoveryQuery, new NexmarkSettings(settings.EventsOf(settings.RecoveryQuery), config));
        jobs[JobName(BenchSettings.Ingest, "warmup")] = () => new IngestJob();
        jobs[JobName(BenchSettings.Ingest, Off)] = () => new IngestJob();
        jobs[JobName(BenchSettings.Ingest, ExactlyOnce)] = () => new IngestJob();
        RegisterLargeState(jobs);
        return jobs;
    }

    private string JobName(string query, string mode) => $"bench-{_run}-{query}-{mode}";

    private CheckpointSettings Checkpointing(string mode) => mode == Off
        ? new CheckpointSettings { Enabled = false }
        : new CheckpointSettings
        {
            Interval = TimeSpan.FromMilliseconds(settings.CheckpointIntervalMs), Mode = CheckpointMode.ExactlyOnce, Incremental = settings.Incremental,
        };

    private async Task<JobRun> RunJobAsync(IClusterClient client, string job, string mode, ProcessMeter meter, CancellationToken cancellation)
    {
        var manager = client.GetGrain<IJobManagerGrain>(job);
        var before = StartMeasuring(meter);
        var info = await manager.StartAsync(new JobStartOptions(settings.Parallelism, Checkpointing(mode)));
        var deadline = DateTime.UtcNow + RunTimeout;
        while (info.Status is JobStatus.Running or JobStatus.Restarting or JobStatus.Draining && DateTime.UtcNow < deadline)
        {
            await Task.Delay(PollInterval, cancellation);
            info = await manager.GetInfoAsync();
        }

        var after = meter.Sample();
        var peak = ProcessMeter.PeakRssMegabytes();
        var checkpoints = await client.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync();
        var metrics = await manager.GetMetricsAsync();
        await manager.StopAsync(drain: false); // also a finished job: its instances deactivate and free their state before the next run
        return new JobRun(info, before, after, peak, checkpoints, metrics);
    }

    private async Task<BenchResult> RunIngestAsync(IClusterClient client, string job, string mode, IReadOnlyList<string> lines, ProcessMeter meter, BenchResult? off, CancellationToken cancellation)
    {
        var manager = client.GetGrain<IJobManagerGrain>(job);
        await manager.StartAsync(new JobStartOptions(settings.Parallelism, Checkpointing(mode)));
        var before = StartMeasuring(meter);
        string status;
        Push.PushSummary? pushed = null;
        try
        {
            pushed = await IngestBench.PushAsync(client, job, lines, settings.IngestEvents, cancellation);
            status = "finished";
        }
        catch (Push.PushFailedException e)
        {
            pushed = e.Progress;
            status = $"push failed: {ErrorCauses.FirstLine(e.Message)}";
        }

        var after = meter.Sample();
        var peak = ProcessMeter.PeakRssMegabytes();
        var info = await manager.StopAsync(drain: false);
        var checkpoints = await client.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync();
        var run = new JobRun(info, before, after, peak, checkpoints, await manager.GetMetricsAsync());
        var wall = after.SecondsSince(before);
        var cpu = (after.Cpu - before.Cpu).TotalSeconds;
        var eventsPerS = pushed.Accepted / wall;
        return WithCheckpoints(run, mode) with
        {
            Query = BenchSettings.Ingest,
            Checkpointing = mode,
            Status = status,
            Events = pushed.Accepted,
            WallS = Math.Round(wall, 3),
            CpuS = Math.Round(cpu, 3),
            EventsPerS = Math.Round(eventsPerS),
            EventsPerCpuS = Math.Round(pushed.Accepted / cpu),
            MbPerS = Math.Round(pushed.Accepted * (double)IngestBench.LineLength / 1e6 / wall, 2),
            CheckpointOverhead = off is null ? null : Math.Round(pushed.Accepted / cpu / off.EventsPerCpuS, 3),
            CheckpointOverheadWall = off is null ? null : Math.Round(eventsPerS / off.EventsPerS, 3),
        };
    }

    /// <summary>
    /// Runs <paramref name="query"/> with exactly-once checkpoints and, once three have completed, deactivates the
    /// first instance of its first keyed operator (its state is lost, as when its silo dies): measures the time
    /// from that to the job running again from its last checkpoint, and to its sources producing again.
    /// </summary>
    private async Task<BenchResult> RunRecoveryAsync(IClusterClient client, string query, ProcessMeter meter, CancellationToken cancellation)
    {
        var job = JobName(BenchSettings.Recovery, query);
        var manager = client.GetGrain<IJobManagerGrain>(job);
        var before = StartMeasuring(meter);
        var info = await manager.StartAsync(new JobStartOptions(settings.Parallelism, Checkpointing(ExactlyOnce)));
        while (info.Status == JobStatus.Running && (info.LastCompletedCheckpoint ?? 0) < 3)
        {
            await Task.Delay(PollInterval, cancellation);
            info = await manager.GetInfoAsync();
        }

        double? toRunning = null, toResumed = null;
        long? restored = null;
        var status = "finished";
        if (info.Status != JobStatus.Running || info.Operators.Count < 2)
        {
            status = $"no failure injected: the job was {info.Status} before its third checkpoint";
        }
        else
        {
            // The bench's own fault injection: Orleans' management extension deactivates the instance; the next
            // delivery to it (or the job manager's heartbeat) finds it without state and the job rolls back.
            // The first keyed operator (it holds state), not the streams split from the source ahead of it.
            var keyed = info.Operators.FirstOrDefault(o => o.Inputs?.Any(i => i.Partitioning == "Hash") == true) ?? info.Operators[1];
            var victim = new TaskId(job, keyed.Uid, 0);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await client.GetGrain<IOperatorInstanceGrain>(victim.GrainKey).AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
            var deadline = DateTime.UtcNow + RunTimeout;
            // (A generated job ends like a drain: Draining is running to its end.)
            while (!(info.Restarts >= 1 && info.Status is JobStatus.Running or JobStatus.Draining) && info.Status is JobStatus.Running or JobStatus.Restarting or JobStatus.Draining && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), cancellation);
                info = await manager.GetInfoAsync();
            }

            toRunning = clock.Elapsed.TotalMilliseconds;
            restored = info.RestoredCheckpoint;
            var accepted = (await manager.GetMetricsAsync()).EventsAccepted;
            while (info.Status is JobStatus.Running or JobStatus.Draining && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), cancellation);
                if ((await manager.GetMetricsAsync()).EventsAccepted > accepted)
                {
                    toResumed = clock.Elapsed.TotalMilliseconds;
                    break;
                }

                info = await manager.GetInfoAsync();
            }

            while (info.Status is JobStatus.Running or JobStatus.Restarting or JobStatus.Draining && DateTime.UtcNow < deadline)
            {
                await Task.Delay(PollInterval, cancellation);
                info = await manager.GetInfoAsync();
            }

            status = info.Status != JobStatus.Finished ? $"{info.Status}: {info.FailureReason}"
                : info.Restarts != 1 ? $"finished after {info.Restarts} restarts, not 1 ({info.LastFailure})"
                : toResumed is null ? "finished, but processing was not seen to resume"
                : "finished";
        }

        var after = meter.Sample();
        var peak = ProcessMeter.PeakRssMegabytes();
        var checkpoints = await client.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync();
        var metrics = await manager.GetMetricsAsync();
        await manager.StopAsync(drain: false);
        var run = new JobRun(info, before, after, peak, checkpoints, metrics);
        return WithCheckpoints(run, ExactlyOnce) with
        {
            Query = BenchSettings.Recovery,
            Checkpointing = ExactlyOnce,
            Status = status,
            Events = settings.EventsOf(query),
            WallS = Math.Round(after.SecondsSince(before), 3),
            CpuS = Math.Round((after.Cpu - before.Cpu).TotalSeconds, 3),
            RecoveredQuery = query,
            RecoveryToRunningMs = toRunning is { } running ? Math.Round(running, 1) : null,
            RecoveryMs = toResumed is { } resumed ? Math.Round(resumed, 1) : null,
            RestoredCheckpointBytes = checkpoints.FirstOrDefault(c => c.Id == restored)?.FullSizeBytes,
        };
    }

    /// <summary>A clean start for a measured run: a full collection, and the peak RSS reset where the OS allows.</summary>
    private static ResourceSample StartMeasuring(ProcessMeter meter)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true); // gives freed memory back to the OS
        ProcessMeter.TryResetPeakRss();
        return meter.Sample();
    }

    private BenchResult QueryResult(string query, string mode, JobRun run, (double PerSecond, double PerCpuSecond) baseline, double generatorRate, BenchResult? off)
    {
        var wall = run.After.SecondsSince(run.Before);
        var cpu = (run.After.Cpu - run.Before.Cpu).TotalSeconds;
        var events = settings.EventsOf(query);
        var perCpu = events / cpu;
        var flink = FlinkFigures.EventsPerCore(query);
        var status = run.Info.Status != JobStatus.Finished
            ? $"{run.Info.Status}{(run.Info.FailureReason is { } reason ? $": {reason}" : string.Empty)}"
            : run.Info.Restarts > 0 ? $"finished after {run.Info.Restarts} restarts ({run.Info.LastFailure})"
            : run.Metrics.EventsAccepted != events ? $"finished, but the sources generated {run.Metrics.EventsAccepted} events, not {events}"
            : "finished";
        return WithCheckpoints(run, mode) with
        {
            Query = query,
            Checkpointing = mode,
            Status = status,
            Events = events,
            WallS = Math.Round(wall, 3),
            CpuS = Math.Round(cpu, 3),
            EventsPerS = Math.Round(events / wall),
            EventsPerCpuS = Math.Round(perCpu),
            FlinkEventsPerCore = flink,
            RatioToFlink = flink is { } f ? Math.Round(perCpu / f, 2) : null,
            BaselineEventsPerS = Math.Round(baseline.PerSecond),
            BaselineEventsPerCpuS = Math.Round(baseline.PerCpuSecond),
            FractionOfBaseline = Math.Round(perCpu / baseline.PerSecond, 3),
            FractionOfBaselineCpu = Math.Round(perCpu / baseline.PerCpuSecond, 3),
            CheckpointOverhead = off is null ? null : Math.Round(perCpu / off.EventsPerCpuS, 3),
            CheckpointOverheadWall = off is null ? null : Math.Round(events / wall / off.EventsPerS, 3),
            GeneratorEventsPerS = Math.Round(generatorRate),
            GeneratorCpuShare = Math.Round(events / generatorRate / cpu, 3),
        };
    }

    /// <summary>The fields every run has: checkpoint figures (for "exactly-once"), memory, Azurite's CPU.</summary>
    private static BenchResult WithCheckpoints(JobRun run, string mode)
    {
        var completed = run.Checkpoints.Where(c => c.Status == CheckpointStatus.Completed).ToList();
        var durations = completed.Select(c => c.DurationMs).Order().ToList();
        var written = completed.Select(c => (double)c.SizeBytes).Order().ToList();
        var alignments = completed.SelectMany(c => c.Instances).Select(h => h.AlignmentMs).Order().ToList();
        var on = mode != Off;
        return new BenchResult
        {
            Query = string.Empty,
            Checkpointing = mode,
            Status = string.Empty,
            CheckpointsCompleted = completed.Count,
            CheckpointsAborted = run.Checkpoints.Count(c => c.Status == CheckpointStatus.Aborted),
            CheckpointP50Ms = on ? Percentile(durations, 0.50) : null,
            CheckpointP99Ms = on ? Percentile(durations, 0.99) : null,
            AlignmentP99Ms = on ? Percentile(alignments, 0.99) : null,
            CheckpointBytes = on ? completed.MaxBy(c => c.Id)?.SizeBytes : null,
            CheckpointedBytesP50 = on && Percentile(written, 0.50) is { } p50 ? (long)p50 : null,
            StateBytes = on ? completed.MaxBy(c => c.Id)?.FullSizeBytes : null,
            PeakRssMb = Math.Round(run.PeakRssMb, 1),
            AzuriteCpuS = run.After.AzuriteCpu - run.Before.AzuriteCpu is { } azurite ? Math.Round(azurite.TotalSeconds, 3) : null,
        };
    }

    /// <summary>The nearest-rank percentile of sorted values; null when there are none.</summary>
    private static double? Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? null : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)], 2);

    private void Report(BenchResult r) => output.Line(
        string.Create(CultureInfo.InvariantCulture, $"{r.Query} {r.Checkpointing}: {r.Events:N0} events in {r.WallS:0.00} s, {r.CpuS:0.00} cpu-s → {r.EventsPerS:N0}/s, {r.EventsPerCpuS:N0}/cpu-s") +
        (r.Checkpointing == Off ? string.Empty : $"; {r.CheckpointsCompleted} checkpoints") + (r.Status == "finished" ? string.Empty : $" [{r.Status}]"));

    private sealed record JobRun(JobInfo Info, ResourceSample Before, ResourceSample After, double PeakRssMb, IReadOnlyList<CheckpointStats> Checkpoints, JobMetrics Metrics);
}
