using System.Diagnostics;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.LargeState;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Bench;

/// <summary>
/// The large-state entry: a keyed job over <c>--state-keys</c> keys of which about <c>--change-fraction</c> change
/// per second (<see cref="LargeStateJob"/>), run to its end without and with exactly-once checkpoints, then run
/// again with checkpoints to be failed over once its state is checkpointed, timing the restore.
/// </summary>
internal sealed partial class BenchScenario
{
    /// <summary>Updates of the calibration run, which measures how many updates per second the job takes.</summary>
    private const long CalibrationUpdates = 2_000_000;

    /// <summary>Keys of the calibration run at most.</summary>
    private const long CalibrationKeys = 1_000_000;

    /// <summary>How long the measured runs update, at the calibrated rate, unless <c>--events</c> gives the updates.</summary>
    private static readonly TimeSpan UpdatePhase = TimeSpan.FromSeconds(10);

    // Read by the jobs' factories when a job is built: each phase sets its own before it starts its job.
    private LargeStateSettings _calibration = new(1, 1, 1, 0);
    private LargeStateSettings _largeState = new(1, 1, 1, 0);

    private static string LargeState => BenchSettings.LargeState;

    private void RegisterLargeState(Dictionary<string, Func<IStreamJob>> jobs)
    {
        jobs[JobName(LargeState, "warmup")] = () => new LargeStateJob(_calibration);
        jobs[JobName(LargeState, "calibration")] = () => new LargeStateJob(_calibration);
        jobs[JobName(LargeState, Off)] = () => new LargeStateJob(_largeState);
        jobs[JobName(LargeState, ExactlyOnce)] = () => new LargeStateJob(_largeState);
        jobs[JobName(LargeState, "restore")] = () => new LargeStateJob(_largeState with { Updates = LargeStateSettings.Endless });
    }

    private async Task<IReadOnlyList<BenchResult>> RunLargeStateAsync(
        IClusterClient client, ProcessMeter meter, TimeSpan restartDelay, CancellationToken cancellation)
    {
        var keys = settings.StateKeys;
        var hot = Math.Clamp((long)Math.Round(keys * settings.ChangeFraction), 1, keys);

        // The dwell that makes U updates per second change U / dwell = F·N keys per second needs U: measured on a
        // smaller state without checkpoints first (a larger state is slower, so slightly fewer keys change in the runs).
        // The rate depends on the dwell (a hot set updated many times stays in the caches: several times faster than one update
        // per key), so a first run with a dwell of 1, which also warms the JIT and the silo up, gives the dwell of a
        // second, whose rate sets the runs'.
        var calibrationKeys = Math.Min(keys, CalibrationKeys);
        _calibration = new LargeStateSettings(calibrationKeys, Math.Min(hot, calibrationKeys), 1, CalibrationUpdates);
        output.Line($"{LargeState}: measuring the update rate twice " +
                    $"({calibrationKeys:N0} keys, {CalibrationUpdates:N0} updates, no checkpoints, not reported)…");
        var rate = RateOf(await RunLargeStateJobAsync(client, JobName(LargeState, "warmup"), Off, _calibration, meter, cancellation));
        _calibration = _calibration with { Dwell = Math.Max(1, (long)Math.Round(rate / _calibration.HotKeys)) };
        rate = RateOf(await RunLargeStateJobAsync(client, JobName(LargeState, "calibration"), Off, _calibration, meter, cancellation));
        var dwell = Math.Max(1, (long)Math.Round(rate / hot));
        var updates = settings.Events ?? Math.Max(1, (long)(rate * UpdatePhase.TotalSeconds));
        _largeState = new LargeStateSettings(keys, hot, dwell, updates);
        output.Line($"{LargeState}: {rate:N0} updates/s; each of {hot:N0} keys at a time is updated {dwell:N0} times, " +
                    $"so ~{rate / dwell:N0} keys change per second");

        var results = new List<BenchResult>();
        BenchResult? off = null;
        foreach (var mode in new[] { Off, ExactlyOnce })
        {
            output.Line($"{LargeState} {mode}: populating {keys:N0} keys, then {updates:N0} updates…");
            var run = await RunLargeStateJobAsync(client, JobName(LargeState, mode), mode, _largeState, meter, cancellation);
            var result = LargeStateResult(mode, run, off);
            Report(result);
            off ??= result;
            results.Add(result);
        }

        output.Line($"{LargeState} restore: populating {keys:N0} keys with checkpoints, " +
                    "then failing the keyed instance over once a checkpoint of them all completed…");
        var restore = await RunRestoreAsync(client, cancellation);
        output.Line(restore.Status == "finished"
            ? $"{LargeState} restore: running again {restore.ToRunningMs:N0} ms after the failure " +
              $"(restart delay {restartDelay.TotalMilliseconds:N0} ms included), " +
              $"{restore.RestoredBytes / 1e6:N1} MB of state restored"
            : $"{LargeState} restore: {restore.Status}");
        results[^1] = results[^1] with
        {
            Status = restore.Status == "finished" || results[^1].Status != "finished" ? results[^1].Status : $"restore: {restore.Status}",
            RecoveryToRunningMs = restore.ToRunningMs is { } ms ? Math.Round(ms, 1) : null,
            RestoredCheckpointBytes = restore.RestoredBytes,
            RestartDelayMs = restartDelay.TotalMilliseconds,
        };
        return results;
    }

    /// <summary>Updates per second of a run (of all its records if the end of its population was not seen).</summary>
    private static double RateOf(LargeStateRun run) =>
        run.UpdatesPerS ?? run.State.Events / run.Run.After.SecondsSince(run.Run.Before);

    /// <summary>Runs a large-state job to its end, noting when its sources had generated every key (the state populated).</summary>
    private async Task<LargeStateRun> RunLargeStateJobAsync(
        IClusterClient client, string job, string mode, LargeStateSettings state, ProcessMeter meter, CancellationToken cancellation)
    {
        var manager = client.GetGrain<IJobManagerGrain>(job);
        var before = StartMeasuring(meter);
        var info = await manager.StartAsync(new JobStartOptions(settings.Parallelism, Checkpointing(mode)));
        var deadline = DateTime.UtcNow + RunTimeout;
        (ResourceSample Sample, DateTimeOffset At)? populated = null;
        ResourceSample? generated = null; // the sources' last record: what follows (the job's end) is no update
        while (info.Status is JobStatus.Running or JobStatus.Restarting or JobStatus.Draining && DateTime.UtcNow < deadline)
        {
            await Task.Delay(PollInterval, cancellation);
            if (generated is null && (await manager.GetMetricsAsync()).EventsAccepted is var accepted)
            {
                populated ??= accepted >= state.Keys ? (meter.Sample(), DateTimeOffset.UtcNow) : null;
                generated = accepted >= state.Events ? meter.Sample() : null;
            }

            info = await manager.GetInfoAsync();
        }

        var after = meter.Sample();
        var peak = ProcessMeter.PeakRssMegabytes();
        var checkpoints = await client.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync();
        var metrics = await manager.GetMetricsAsync();
        await manager.StopAsync(drain: false); // its instances deactivate and free their state before the next run
        var run = new JobRun(info, before, after, peak, checkpoints, metrics);
        var updating = populated is { } p ? (generated ?? after).SecondsSince(p.Sample) : 0;
        return new LargeStateRun(run, state, populated?.At, updating > 0 ? state.Updates / updating : null);
    }

    private BenchResult LargeStateResult(string mode, LargeStateRun large, BenchResult? off)
    {
        var run = large.Run;
        var events = large.State.Events;
        var wall = run.After.SecondsSince(run.Before);
        var cpu = (run.After.Cpu - run.Before.Cpu).TotalSeconds;
        var status = run.Info.Status != JobStatus.Finished
            ? $"{run.Info.Status}{(run.Info.FailureReason is { } reason ? $": {reason}" : string.Empty)}"
            : run.Info.Restarts > 0 ? $"finished after {run.Info.Restarts} restarts ({run.Info.LastFailure})"
            : run.Metrics.EventsAccepted != events ? $"finished, but the sources generated {run.Metrics.EventsAccepted} events, not {events}"
            : large.PopulatedAt is null ? "finished, but the end of the population was not seen"
            : "finished";

        // The steady state this entry is about: the checkpoints triggered once every key was there.
        var steady = run with { Checkpoints = [.. run.Checkpoints.Where(c => c.TriggeredAt >= (large.PopulatedAt ?? DateTimeOffset.MaxValue))] };
        return WithCheckpoints(steady, mode) with
        {
            Query = LargeState,
            Checkpointing = mode,
            Status = status,
            Events = events,
            WallS = Math.Round(wall, 3),
            CpuS = Math.Round(cpu, 3),
            EventsPerS = Math.Round(events / wall),
            EventsPerCpuS = Math.Round(events / cpu),
            CheckpointOverhead = off is null ? null : Math.Round(events / cpu / off.EventsPerCpuS, 3),
            CheckpointOverheadWall = off is null ? null : Math.Round(events / wall / off.EventsPerS, 3),
            StateKeys = large.State.Keys,
            ChangeFraction = settings.ChangeFraction,
            UpdatesPerS = large.UpdatesPerS is { } u ? Math.Round(u) : null,
            ChangedKeysPerS = large.UpdatesPerS is { } changing ? Math.Round(changing / large.State.Dwell) : null,
        };
    }

    /// <summary>
    /// Starts the large-state job with checkpoints and endless updates; once its sources have generated every key and
    /// a checkpoint triggered after that has completed, deactivates the keyed operator's first instance (its state is
    /// lost, as when its silo dies) and times from then to the job running again, every instance restored from the
    /// latest checkpoint (the failure's detection and the restart delay included). Stops the job after.
    /// </summary>
    private async Task<(string Status, double? ToRunningMs, long? RestoredBytes)> RunRestoreAsync(
        IClusterClient client, CancellationToken cancellation)
    {
        var job = JobName(LargeState, "restore");
        var manager = client.GetGrain<IJobManagerGrain>(job);
        var info = await manager.StartAsync(new JobStartOptions(settings.Parallelism, Checkpointing(ExactlyOnce)));
        var deadline = DateTime.UtcNow + RunTimeout;
        long? lastBeforePopulated = null;
        while (info.Status == JobStatus.Running && DateTime.UtcNow < deadline)
        {
            // With one checkpoint in progress at a time, the second to complete after the population was triggered after it.
            if (lastBeforePopulated is null && (await manager.GetMetricsAsync()).EventsAccepted >= _largeState.Keys)
            {
                lastBeforePopulated = info.LastCompletedCheckpoint ?? 0;
            }
            else if (lastBeforePopulated is { } last && (info.LastCompletedCheckpoint ?? 0) >= last + 2)
            {
                break;
            }

            await Task.Delay(PollInterval, cancellation);
            info = await manager.GetInfoAsync();
        }

        try
        {
            if (info.Status != JobStatus.Running || lastBeforePopulated is null || (info.LastCompletedCheckpoint ?? 0) < lastBeforePopulated + 2)
            {
                var why = info.FailureReason is { } r ? $" ({r})" : string.Empty;
                return ($"no failure injected: the job was {info.Status} without a checkpoint of its whole state{why}", null, null);
            }

            var keyed = info.Operators.Single(o => o.Chain.Contains(LargeStateJob.StateUid)).Uid;
            var clock = Stopwatch.StartNew();
            var victim = client.GetGrain<IOperatorInstanceGrain>(new TaskId(job, keyed, 0).GrainKey);
            await victim.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
            while (!(info.Restarts >= 1 && info.Status == JobStatus.Running)
                   && info.Status is JobStatus.Running or JobStatus.Restarting && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), cancellation);
                info = await manager.GetInfoAsync();
            }

            var toRunning = clock.Elapsed.TotalMilliseconds;
            if (info.Status != JobStatus.Running || info.Restarts < 1)
            {
                return ($"{info.Status} after the failure{(info.FailureReason is { } r ? $": {r}" : string.Empty)}", null, null);
            }

            var checkpoints = await client.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync();
            return info.RestoredCheckpoint is { } id && checkpoints.FirstOrDefault(c => c.Id == id) is { } restored
                ? ("finished", toRunning, restored.FullSizeBytes)
                : ($"running again after {toRunning:N0} ms, but from no retained checkpoint " +
                   $"(restored {info.RestoredCheckpoint?.ToString() ?? "none"})", toRunning, null);
        }
        finally
        {
            await manager.StopAsync(drain: false);
        }
    }

    /// <summary>A large-state run: the job's figures, what it generated, and when its population ended.</summary>
    /// <param name="Run">The job's figures.</param>
    /// <param name="State">What it generated.</param>
    /// <param name="PopulatedAt">When the sources had generated every key; null if not seen.</param>
    /// <param name="UpdatesPerS">Updates per wall-clock second from then to the sources' last record (null if not measurable).</param>
    private sealed record LargeStateRun(JobRun Run, LargeStateSettings State, DateTimeOffset? PopulatedAt, double? UpdatesPerS);
}
