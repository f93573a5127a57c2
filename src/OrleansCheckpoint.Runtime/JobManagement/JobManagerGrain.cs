using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// The job manager of one job (key: the job's name). It deploys the job's operator instances, persists the
/// job's status and generation through grain storage, and routes pushes and queries. Read-only calls and
/// reports from instances interleave with a start or stop in progress, so an instance that calls back while
/// the manager awaits it cannot deadlock.
/// </summary>
internal sealed partial class JobManagerGrain(
    [PersistentState("job", CheckpointSiloBuilderExtensions.JobStorageName)] IPersistentState<JobState> state,
    JobRegistry registry,
    SnapshotStore snapshots,
    IClusterMembershipService membership,
    Recovery.GoneSilos goneSilos,
    IOptions<OrleansCheckpointOptions> options,
    Metrics.StreamMetrics metrics,
    Ingest.IngestLogFactory ingestLogs,
    ILogger<JobManagerGrain> logger) : Grain, IJobManagerGrain, IJobManagerGateway
{
    private string Job => this.GetPrimaryKeyString();

    private JobState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        registry.GraphOf(Job); // an unknown job name fails here, with the list of registered jobs
        ObserveMetrics();

        // This activation replaces one that was collected or lost with its silo: supervise the job again.
        // A recovery that was under way is started over.
        if (S.Status is JobStatus.Running or JobStatus.Restarting or JobStatus.Draining)
        {
            // A drain under way may not have reached every source (its manager died while telling them): tell them
            // again (a source that drains already ignores it).
            _resendDrain = S.Status == JobStatus.Draining;
            AbandonPredecessorsSnapshots();
            StartSupervising();
        }

        return Task.CompletedTask;
    }

    public async Task<JobInfo> StartAsync(JobStartOptions startOptions)
    {
        var settings = options.Value;
        var maxParallelism = S.MaxParallelism > 0 ? S.MaxParallelism : settings.MaxParallelism;
        var parallelism = startOptions.Parallelism ?? settings.DefaultParallelism;
        if (parallelism < 1 || parallelism > maxParallelism)
        {
            throw new InvalidJobSettingsException($"--parallelism {parallelism} is not valid for job '{Job}': it must be between 1 and the job's maximum parallelism {maxParallelism}.");
        }

        if (S.Status is JobStatus.Running or JobStatus.Draining or JobStatus.Restarting)
        {
            return Info();
        }

        // A start at another parallelism restores the latest restore point rescaled; --from chooses another one.
        var from = startOptions.FromSnapshot is { } chosen ? ResolveSnapshot(chosen) : null;
        var rescaled = from is null && S.Parallelism > 0 && parallelism != S.Parallelism ? RestoreCandidates().FirstOrDefault() : null;
        from ??= rescaled;

        var checkpointing = startOptions.Checkpointing ?? startOptions.CheckpointOverrides?.ApplyTo(settings.Checkpointing) ?? settings.Checkpointing;
        var restart = settings.Restart.With(startOptions.RestartOverrides);
        if (restart.Problems(Recovery.RestartSettings.StartOptionNames).ToList() is { Count: > 0 } restartProblems)
        {
            throw new InvalidJobSettingsException($"Job '{Job}' cannot start: {string.Join("; ", restartProblems)}.");
        }

        if (checkpointing.Validate() is { Count: > 0 } problems)
        {
            throw new InvalidCheckpointSettingsException(Job, problems);
        }

        PhysicalPlan plan;
        try
        {
            plan = registry.PlanOf(Job, parallelism, maxParallelism);
        }
        catch (Dataflow.InvalidJobGraphException e)
        {
            throw new InvalidJobSettingsException(e.Message);
        }

        var dropped = from is null ? [] : RestoreAssignment.Validate(Job, from, plan, startOptions.AllowNonRestoredState);
        var logStarts = new Dictionary<string, long>();
        if (from is not null)
        {
            RefuseStreamSourceRescale(plan, uid => SourceInstancesIn(from, plan, uid));
            await CheckRetiredLogsAsync(from, plan);
            logStarts = await AddedSourceStartsAsync(from, plan);
        }
        else if (S.Parallelism > 0 && S.Parallelism != parallelism)
        {
            RefuseStreamSourceRescale(plan, uid => Plan().Sources.FirstOrDefault(s => s.Uid == uid)?.Parallelism);
        }

        if (from is null && S.Parallelism > parallelism)
        {
            await CheckRetiredLogsAsync(Plan(), plan); // fewer sources and no snapshot to start from: every log is read from 0
        }

        var before = S.Copy();
        S.LogStarts = logStarts;

        S.Status = JobStatus.Restarting; // deploying: pushes that come meanwhile are told to retry
        S.Parallelism = parallelism;
        S.MaxParallelism = maxParallelism;
        S.StartedAt = DateTimeOffset.UtcNow;
        S.FailureReason = null;
        S.LastFailure = null;
        S.Restarts = 0;
        _gauges?.SetRestarts(0);
        S.RestartTimes.Clear();
        S.FinishedTasks.Clear();
        S.Checkpointing = checkpointing;
        S.Restart = restart;
        S.RedeployAt = null;
        S.DrainRequested = false;
        S.DrainCommit = null;
        S.StoppingWith = null;
        var left = from is null ? [] : LeaveHistory(from, dropped);

        // A job that has checkpoints resumes from the latest (its sources replay their logs from there), or from the chosen one.
        try
        {
            await DeployGenerationAsync(plan, from);
        }
        catch (Exception e) when (from is not null && e is not OperationCanceledException)
        {
            await UndoStartFromAsync(before, from, e);
            throw new IncompatibleSnapshotException($"Job '{Job}' cannot start from {Describe(from)}: {e.Message} Nothing changed: the job is {before.Status} as before.");
        }
        catch (Exception e)
        {
            await FailAsync($"job '{Job}' could not start: {e.Message}");
            throw;
        }

        await DeleteLeftHistoryAsync(left); // also after a rescale: older restore points may have left events unread

        S.Status = JobStatus.Running;
        await WriteStateAsync();
        StartSupervising();
        await StartReminderAsync();
        LogStarted(logger, Job, S.Generation, parallelism);
        return Info();
    }

    /// <summary>
    /// Stops the job at once, or (<paramref name="drain"/>) ends its input: every source processes what it accepted,
    /// every window fires, the sinks commit, and the job is <see cref="JobStatus.Finished"/>. A drain asked for during
    /// a recovery starts once the job runs again; one asked for again while draining changes nothing; a failure
    /// during a drain is recovered from like any other, and the drain starts over from the restored checkpoint.
    /// </summary>
    public async Task<JobInfo> StopAsync(bool drain)
    {
        if (drain && S.Status is JobStatus.Running or JobStatus.Restarting or JobStatus.Draining)
        {
            if (S.Status == JobStatus.Running)
            {
                await DrainAsync();
            }
            else if (!S.DrainRequested)
            {
                S.DrainRequested = true; // the recovery under way drains once it has deployed the job again
                await WriteStateAsync();
            }

            return Info();
        }

        await StopSupervisingAsync($"job '{Job}' is stopping");
        if (S.Status is JobStatus.Running or JobStatus.Draining or JobStatus.Restarting or JobStatus.Finished or JobStatus.Failed)
        {
            // The status changes first: instances that ask while being cancelled must hear "not running".
            if (S.Status is JobStatus.Running or JobStatus.Draining or JobStatus.Restarting)
            {
                S.Status = JobStatus.Stopped;
                S.DrainRequested = false;
                S.DrainCommit = null;
                S.StoppingWith = null;
                await WriteStateAsync();
            }

            await CancelAllAsync();
        }

        return Info();
    }

    public Task<JobInfo> GetInfoAsync() => Task.FromResult(Info());

    public async Task<JobMetrics> GetMetricsAsync()
    {
        if (S.Parallelism == 0)
        {
            return JobMetrics.Zero;
        }

        var metrics = await Task.WhenAll(Plan().AllTasks.Select(t => Operator(t).GetMetricsAsync()));
        return metrics.Aggregate(JobMetrics.Zero, (a, b) => a + b);
    }

    public Task<PushRoute> GetPushRouteAsync()
    {
        EnsureRunning();
        var source = Plan().Sources.First();
        return Task.FromResult(new PushRoute(Job, source.Uid, source.Parallelism, options.Value.Ingest.MaxBatchEvents));
    }

    public async Task<QueryResult> QueryAsync(string key, bool live = false)
    {
        var graph = registry.GraphOf(Job);
        var table = graph.Transformations.FirstOrDefault(t => t.IsResultTable);
        var target = (live ? null : table) ?? graph.Transformations.FirstOrDefault(t => t.IsQueryable)
            ?? throw new StreamJobException(live && table is not null
                ? $"Job '{Job}' has no live queryable state; query its result table without --live."
                : $"Job '{Job}' has no result table or queryable state.");
        // The committed table outlives the job's instances; live state exists only while they run.
        if (S.Parallelism == 0 || S.Status is JobStatus.Created || (target != table && S.Status is JobStatus.Stopped))
        {
            throw new JobNotRunningException(Job, S.Status.ToString());
        }

        var plan = Plan();
        var vertex = plan.VertexOf(target);
        string canonical;
        ulong hash;
        try
        {
            (canonical, hash) = (target.CanonicalQueryKey(key), target.HashQueryKey(key));
        }
        catch (FormatException e)
        {
            throw new StreamJobException($"'{key}' is not a valid key for job '{Job}': {e.Message}");
        }

        var keyGroup = KeyGroups.Of(hash, plan.MaxParallelism);
        var partition = KeyGroups.PartitionOf(keyGroup, plan.MaxParallelism, vertex.Parallelism);
        if (target == table)
        {
            var (value, checkpoint) = await GrainFactory.GetGrain<IResultTableGrain>(Sinks.ResultTableGrain.Key(Job, table.Uid, keyGroup)).GetAsync(canonical);
            return new QueryResult(key, value, Committed: true, CheckpointId: checkpoint);
        }

        return new QueryResult(key, await Operator(new TaskId(Job, vertex.Uid, partition)).QueryAsync(key));
    }

    public async Task ReportFinishedAsync(TaskId task, long generation)
    {
        // While draining, or while running: a job whose sources generate their input ends it by itself.
        if (generation != S.Generation || S.Status is not (JobStatus.Draining or JobStatus.Running) || !S.FinishedTasks.Add(task.GrainKey))
        {
            return;
        }

        if (S.FinishedTasks.Count == Plan().AllTasks.Count())
        {
            S.Status = JobStatus.Finished;
            S.DrainRequested = false;
            S.DrainCommit = null;
            LogFinished(logger, Job, generation);
        }

        await WriteStateAsync();

        // A finished instance takes no more barriers, so no later checkpoint could complete (as in Flink before
        // FLIP-147): checkpoints stop with the first instance that finishes (a drain stopped them already).
        await (S.Status == JobStatus.Finished ? StopSupervisingAsync($"job '{Job}' finished its input") : StopCheckpointingAsync($"{task} finished its input"));
    }

    public async Task<FinalCommit?> EndInputAsync(TaskId task, long generation)
    {
        if (generation != S.Generation || S.Status is not (JobStatus.Running or JobStatus.Draining))
        {
            return null; // an older run: it is being cancelled
        }

        if (S.Status == JobStatus.Running)
        {
            await BeginDrainAsync();
            await SendDrainAsync(); // other generators end by themselves; a pushed source of the same job is told to
        }

        return S.DrainCommit;
    }

    public async Task ReportFailureAsync(TaskId task, long generation, string reason)
    {
        if (generation != S.Generation)
        {
            return; // about an older run: already dealt with
        }

        if (S.Status is JobStatus.Running or JobStatus.Draining)
        {
            await RecoverAsync(await WithDeadHostsAsync(reason)); // a drain under way starts over once the job runs again
        }
    }

    private async Task FailAsync(string reason)
    {
        LogFailed(logger, Job, S.Generation, reason);
        RecordFailure(reason, restarted: false);
        S.Status = JobStatus.Failed;
        S.FailureReason = reason;
        S.DrainRequested = false;
        await WriteStateAsync();
        await StopSupervisingAsync($"job '{Job}' failed");
        await CancelAllAsync();
    }

    private async Task CancelAllAsync()
    {
        if (S.Parallelism > 0)
        {
            await Task.WhenAll(Plan().AllTasks.Select(t => Operator(t).CancelAsync(S.Generation)));
        }
    }

    private void EnsureRunning()
    {
        if (S.Status != JobStatus.Running)
        {
            throw new JobNotRunningException(Job, S.Status.ToString());
        }
    }

    private PhysicalPlan Plan() => registry.PlanOf(Job, S.Parallelism, S.MaxParallelism);

    private IOperatorGrain Operator(TaskId task) => GrainFactory.GetGrain<IOperatorGrain>(task.GrainKey);

    private JobInfo Info() => new(
        Job, S.Status, S.Parallelism, S.Generation, S.StartedAt, S.FailureReason, S.Parallelism > 0 ? Plan().Describe() : [],
        S.Parallelism > 0 ? S.Checkpointing : null, S.CompletedCheckpoints.LastOrDefault()?.Id, S.Restarts, S.RestoredCheckpoint, S.LastFailure, GrainContext.Address.SiloAddress?.ToString(),
        S.Parallelism > 0 ? Restart.ToString() : null, S.DrainRequested, S.SkippedCheckpoints.ToList());

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} started: generation {Generation}, parallelism {Parallelism}")]
    private static partial void LogStarted(ILogger logger, string job, long generation, int parallelism);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job} generation {Generation} finished its input")]
    private static partial void LogFinished(ILogger logger, string job, long generation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job} generation {Generation} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string job, long generation, string reason);
}

/// <summary>Lists the registered jobs with their status.</summary>
internal sealed class JobCatalogGrain(JobRegistry registry) : Grain, IJobCatalogGrain
{
    public async Task<IReadOnlyList<JobInfo>> ListAsync() =>
        await Task.WhenAll(registry.Names.Select(name => GrainFactory.GetGrain<IJobManagerGrain>(name).GetInfoAsync()));
}
