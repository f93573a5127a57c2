using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// The job manager's recovery face. While a job runs, a timer drives checkpoints and, every second, asks
/// each instance whether it still runs the current generation (an instance whose silo died, or that was
/// deactivated, comes back as a fresh activation that does not). On any failure — reported by an instance,
/// or found that way — the job rolls back as a whole: a new generation is deployed from the last completed
/// checkpoint (checksums verified; a corrupt one falls back to the one before, loudly), the sources replay
/// their ingest logs from the checkpoint's offsets, and messages of the old generation are dropped.
/// The restart strategy decides how long to wait, and when to give up and fail the job.
/// While a job runs, a persistent reminder wakes its manager (see <see cref="ReceiveReminder"/>).
/// </summary>
internal sealed partial class JobManagerGrain : IRemindable
{
    private const string SupervisionReminder = "supervise";
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(1);
    private IGrainTimer? _supervisor;
    private DateTimeOffset _lastHeartbeat;
    private bool _heartbeatInFlight;
    private bool _resendDrain;

    /// <summary>
    /// Deploys a new generation of the job, restoring the newest restore point that every instance can read (a retained
    /// checkpoint or a savepoint of the job's current history; or starting empty when there is none), or only
    /// <paramref name="from"/> when one was chosen (<c>client start --from</c>: no fall-back). Instances are deployed
    /// downstream first, so each one is ready before anything is sent to it.
    /// </summary>
    private async Task DeployGenerationAsync(PhysicalPlan plan, CompletedCheckpoint? from = null)
    {
        var candidates = from is not null ? [from] : RestoreCandidates().Select(c => (CompletedCheckpoint?)c).ToList();
        if (candidates.Count == 0)
        {
            candidates.Add(null);
        }

        var problems = new List<string>();
        var skipped = new List<(long Id, string Reason)>();
        foreach (var checkpoint in candidates)
        {
            S.Generation++;
            S.RestoredCheckpoint = checkpoint?.Id;
            S.FinishedTasks.Clear(); // every instance runs again from the checkpoint
            await WriteStateAsync();
            try
            {
                var restores = checkpoint is null ? null : RestoreAssignment.Of(checkpoint, plan);
                foreach (var vertex in plan.Vertices.Reverse())
                {
                    await Task.WhenAll(Enumerable.Range(0, vertex.Parallelism).Select(p =>
                    {
                        var task = new TaskId(Job, vertex.Uid, p);
                        var restore = restores?[task];
                        var handles = restore?.Handles ?? [];
                        return Operator(task).DeployAsync(new TaskDeployment(
                            task, S.Generation, S.Parallelism, S.MaxParallelism, handles.FirstOrDefault(), S.Checkpointing.Enabled, S.LastCheckpointId, S.Checkpointing.Incremental,
                            S.Checkpointing.ConsolidateAfter, handles.Count > 1 ? [.. handles.Skip(1)] : null, restore?.FormerInstances ?? 0,
                            restore is { KeyedOnly.Count: > 0 } ? [.. restore.KeyedOnly] : null, restore is { Handles.Count: 0 } && S.LogStarts.TryGetValue(task.GrainKey, out var start) ? start : null));
                    }));
                }

                if (checkpoint is not null)
                {
                    Stats.OnRestored(checkpoint.Id);
                    LogRestored(logger, Job, S.Generation, checkpoint.Id);
                }

                if (problems.Count > 0)
                {
                    // Loud: the job goes on from an older checkpoint, and says why.
                    RecordSkippedCheckpoints(skipped, restoredFrom: checkpoint?.Id);
                    S.LastFailure = $"{S.LastFailure} — restored checkpoint {checkpoint?.Id} instead of a newer one that could not be read: {string.Join("; ", problems)}";
                    await WriteStateAsync();
                }

                return;
            }
            catch (CorruptSnapshotException e) when (from is null)
            {
                problems.Add($"checkpoint {checkpoint?.Id}: {e.Message}");
                skipped.Add((checkpoint?.Id ?? 0, e.Message));
                LogUnusableCheckpoint(logger, Job, checkpoint?.Id ?? 0, e.Message);
                await CancelAllAsync();
            }
        }

        RecordSkippedCheckpoints(skipped, restoredFrom: null);
        throw new UnreadableCheckpointsException($"No retained checkpoint of job '{Job}' can be restored: {string.Join("; ", problems)}");
    }

    /// <summary>The restart strategy the job runs with.</summary>
    private Recovery.RestartSettings Restart => S.Restart ?? options.Value.Restart;

    /// <summary>
    /// Rolls the job back to its last completed checkpoint, or fails it when the restart strategy gives up. The
    /// old generation is cancelled at once; the new one is deployed by the supervision timer once the strategy's
    /// delay is over (<see cref="S"/>.RedeployAt, persisted, so a manager that moves meanwhile keeps the
    /// schedule). No grain call waits out the delay: stops, triggers, acknowledgements and queries are answered
    /// meanwhile, and a stop during the wait cancels the restart.
    /// </summary>
    private async Task RecoverAsync(string reason)
    {
        var now = DateTimeOffset.UtcNow;
        var delay = Restart.NextDelay(S.RestartTimes, now, out var why);
        if (delay is null)
        {
            await FailAsync($"{reason} — not restarted: {why}");
            return;
        }

        LogRecovering(logger, Job, S.Generation, reason, delay.Value.TotalMilliseconds);
        RememberFailedHosts();
        S.DrainRequested |= S.Status == JobStatus.Draining; // (state written before the flag was kept has only the status)
        S.Status = JobStatus.Restarting;
        S.Restarts++;
        S.RestartTimes = [.. S.RestartTimes.Where(t => now - t < Restart.Window), now];
        S.LastFailure = reason;
        S.RedeployAt = now + delay.Value;
        RecordFailure(reason, restarted: true);
        await WriteStateAsync();
        _gauges?.SetRestarts(S.Restarts);
        _gauges?.OnRestarting(now);
        StartSupervising(); // its timer redeploys when the delay is over
        await StopCheckpointingAsync($"job '{Job}' is recovering from a failure");
        await CancelAllAsync();
    }

    /// <summary>Deploys the job's next generation from its last checkpoint, once a recovery's delay is over; a failure to do so is recovered from in turn.</summary>
    private async Task RedeployAsync()
    {
        try
        {
            await DeployGenerationAsync(Plan());

            // A drain asked for during the recovery, or under way when the failure came, starts over at once (the
            // job is never seen running meanwhile: a client waiting for the drain would take that for its end).
            S.Status = S.DrainRequested ? JobStatus.Draining : JobStatus.Running;
            S.RedeployAt = null;
            MarkRunningAgain();
            if (S.DrainRequested)
            {
                ReserveDrainCommit();
            }

            await WriteStateAsync();
            StartSupervising();
            if (S.Status == JobStatus.Draining)
            {
                await SendDrainAsync();
            }
        }
        catch (UnreadableCheckpointsException e)
        {
            await FailAsync(e.Message); // a corrupt or missing snapshot stays so: restarting again cannot help
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (_failedHosts is { } failed)
            {
                await EvictGoneHostsAsync(failed.Hosts.Values); // a deployment to a silo that died waits for its eviction
            }

            await RecoverAsync($"recovery failed: {e.Message}");
        }
    }

    /// <summary>
    /// Ends the input of the running generation: checkpoints stop (a finishing instance takes no more barriers),
    /// and every source is told to process what it accepted, then end its input. Supervision goes on, so a failure
    /// during the drain is recovered from (and the drain starts over). A source that cannot be told is such a failure.
    /// </summary>
    private async Task DrainAsync()
    {
        await BeginDrainAsync();
        await SendDrainAsync();
    }

    /// <summary>The job is draining from now on (also when its generators end their input by themselves): checkpoints stop, the final commit is reserved.</summary>
    private async Task BeginDrainAsync()
    {
        await StopCheckpointingAsync($"job '{Job}' is draining");
        S.Status = JobStatus.Draining;
        S.DrainRequested = true;
        ReserveDrainCommit();
        await WriteStateAsync();
    }

    /// <summary>
    /// The first attempt of a drain reserves the id of its final commit (a checkpoint id, never used by anything
    /// else) and notes the newest restore point (a checkpoint or savepoint: what a redo of the drain restores, whose
    /// transactions the sinks therefore commit under its own id); a drain that starts over after a failure keeps both.
    /// </summary>
    private void ReserveDrainCommit() => S.DrainCommit ??= new FinalCommit(++S.LastCheckpointId, RestoreCandidates().FirstOrDefault()?.Id ?? 0);

    /// <summary>Tells every source of the current generation to end its input (each answers at once, and reports when it finished).</summary>
    private async Task SendDrainAsync()
    {
        if (S.DrainCommit is null)
        {
            ReserveDrainCommit(); // a drain under way in state written before the commit was kept
            await WriteStateAsync();
        }

        var (generation, commit) = (S.Generation, S.DrainCommit!);
        var sources = Plan().Sources.SelectMany(v => Enumerable.Range(0, v.Parallelism).Select(p => new TaskId(Job, v.Uid, p))).ToList();
        var outcomes = await Task.WhenAll(sources.Select(async t =>
        {
            try
            {
                await Operator(t).DrainAsync(generation, commit);
                return null;
            }
            catch (Exception e)
            {
                return $"{t} could not be told to drain: {e.Message}";
            }
        }));
        if (outcomes.FirstOrDefault(o => o is not null) is { } failure && S.Status == JobStatus.Draining && S.Generation == generation)
        {
            await RecoverAsync(await WithDeadHostsAsync(failure));
        }
    }

    private void StartSupervising()
    {
        if (S.Status == JobStatus.Running)
        {
            StartCheckpointing();
        }

        var tick = TimeSpan.FromMilliseconds(S.Checkpointing.Enabled ? Math.Clamp(S.Checkpointing.Interval.TotalMilliseconds / 2, 5, 100) : 100);
        _supervisor ??= this.RegisterGrainTimer(SuperviseAsync, new GrainTimerCreationOptions { DueTime = tick, Period = tick, KeepAlive = true });
    }

    private async Task StopSupervisingAsync(string reason)
    {
        _supervisor?.Dispose();
        _supervisor = null;
        _stopWithSavepoint = null; // a stop, failure or finish came first: a later start must not be stopped by it
        await StopCheckpointingAsync(reason);
        await StopReminderAsync();
    }

    /// <summary>
    /// The reminder of a running job: it survives the death of every silo that hosted the job (the sources'
    /// watchdog calls cover the usual case within seconds, but not the loss of the manager together with every
    /// source, nor a restart of the whole cluster). Its tick only has to reach this grain: an activation that
    /// finds its job running resumes supervising it (<see cref="OnActivateAsync"/>).
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SupervisionReminder && S.Status is not (JobStatus.Running or JobStatus.Restarting or JobStatus.Draining))
        {
            await StopReminderAsync(); // a tick that outlived its job (e.g. its unregistration failed)
        }
    }

    private async Task StartReminderAsync()
    {
        var period = options.Value.SupervisionReminderPeriod;
        try
        {
            await this.RegisterOrUpdateReminder(SupervisionReminder, period, period);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The job runs without it; only a failure that takes its manager and every source would then wait
            // for the next client call.
            LogReminderFailed(logger, e, Job, "register");
        }
    }

    private async Task StopReminderAsync()
    {
        try
        {
            if (await this.GetReminder(SupervisionReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReminderFailed(logger, e, Job, "unregister"); // a later tick finds the job stopped and tries again
        }
    }

    private async Task SuperviseAsync()
    {
        if (_stopWithSavepoint is { } savepoint)
        {
            await FinishStopWithSavepointAsync(savepoint);
            return;
        }

        await RecordLateDeadSiloAsync();
        if (S.Status == JobStatus.Restarting)
        {
            // A recovery whose delay is over, or a deployment its manager did not live to finish.
            if (S.RedeployAt is not { } due || DateTimeOffset.UtcNow >= due)
            {
                await RedeployAsync();
            }

            return;
        }

        if (S.Status is not (JobStatus.Running or JobStatus.Draining))
        {
            return;
        }

        if (_resendDrain && S.Status == JobStatus.Draining)
        {
            _resendDrain = false;
            await SendDrainAsync();
        }

        WatchMembership();
        if (_hostsGeneration != S.Generation && !_hostsLookupInFlight)
        {
            _hostsLookupInFlight = true;
            _ = LookUpHostsAsync(S.Generation); // not awaited, like the heartbeat
        }

        if (DateTimeOffset.UtcNow - _lastHeartbeat >= HeartbeatPeriod && !_heartbeatInFlight)
        {
            _lastHeartbeat = DateTimeOffset.UtcNow;
            _heartbeatInFlight = true;
            _ = HeartbeatAsync(S.Generation); // not awaited: an unreachable silo must not stall the job manager
        }

        if (_coordinator is not null)
        {
            await _coordinator.TickAsync();
        }
    }

    /// <summary>Asks every instance whether it runs this generation; a "no" is reported as a failure (through a grain call, so it is handled in turn).</summary>
    private async Task HeartbeatAsync(long generation)
    {
        try
        {
            var tasks = Plan().AllTasks.Where(t => !S.FinishedTasks.Contains(t.GrainKey)).ToList(); // a finished instance may be deactivated
            var answers = await Task.WhenAll(tasks.Select(async t =>
            {
                try
                {
                    return await Operator(t).GetStateAsync(generation);
                }
                catch (Exception)
                {
                    return InstanceState.Running; // unreachable for now (a silo not yet declared dead): ask again next time
                }
            }));
            foreach (var finished in tasks.Where((_, i) => answers[i] == InstanceState.Finished))
            {
                // Its own report may have been lost (it is not retried): without this a drain would wait for ever.
                await GrainFactory.GetGrain<IJobManagerGateway>(Job).ReportFinishedAsync(finished, generation);
            }

            var lost = tasks.Where((_, i) => answers[i] == InstanceState.NotRunning).ToList();
            if (lost.Count > 0)
            {
                await GrainFactory.GetGrain<IJobManagerGateway>(Job).ReportFailureAsync(
                    lost[0], generation, $"{string.Join(", ", lost)} lost {(lost.Count == 1 ? "its" : "their")} state (a silo failed, or the instance was deactivated)");
            }
        }
        catch (Exception e)
        {
            LogHeartbeatFailed(logger, e, Job);
        }
        finally
        {
            _heartbeatInFlight = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} generation {Generation} failed: {Reason}; restoring the last checkpoint in {DelayMs} ms")]
    private static partial void LogRecovering(ILogger logger, string job, long generation, string reason, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} generation {Generation} restored checkpoint {CheckpointId}")]
    private static partial void LogRestored(ILogger logger, string job, long generation, long checkpointId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: checkpoint {CheckpointId} cannot be restored ({Problem}); falling back to the one before")]
    private static partial void LogUnusableCheckpoint(ILogger logger, string job, long checkpointId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: could not {Action} the supervision reminder")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, string job, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: a heartbeat round failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception, string job);
}
