using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Runtime.Ingest;
using OrleansCheckpoint.Runtime.JobManagement;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// The grain of one operator instance (key <c>job/operator/partition</c>). It hosts a <see cref="StreamTask"/>
/// and its processing loop. Reentrant, so that a delivery waiting for room at the input gate does not stop
/// other channels' deliveries (which would deadlock alignment later); the loop and the calls still run one
/// at a time on the grain's scheduler. Kept active while its job runs.
/// </summary>
[Reentrant]
internal sealed partial class OperatorGrain(
    JobRegistry registry,
    SnapshotStore snapshots,
    IngestLogFactory ingestLogs,
    Sinks.IOutputFiles files,
    IOptions<OrleansCheckpointOptions> options,
    Metrics.StreamMetrics metrics,
    ILogger<OperatorGrain> logger)
    : Grain, IOperatorGrain, ISourceGrain, IResultsPublisher, ICheckpointResponder
{
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromSeconds(2);
    private TaskId _id;
    private StreamTask? _task;
    private Task? _loop;
    private CancellationTokenSource? _cancellation;
    private string? _failure;
    private IAsyncStream<ResultBatch>? _results;
    private IGrainTimer? _watchdog;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = TaskId.Parse(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await StopLoopAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task DeployAsync(TaskDeployment deployment)
    {
        if (_task?.Deployment.Generation == deployment.Generation)
        {
            return;
        }

        await StopLoopAsync();
        _task = null; // until the new task is restored: calls meanwhile hear that the job is (re)starting
        var settings = options.Value;
        var plan = registry.PlanOf(_id.Job, deployment.Parallelism, deployment.MaxParallelism);
        _failure = null;
        var task = new StreamTask(
            deployment,
            plan,
            GrainFactory,
            this,
            files,
            snapshots,
            this,
            ingestLogs.Create,
            new StreamTaskLimits(settings.BatchSize, settings.ChannelCapacity, settings.Ingest.MaxBatchEvents, settings.Ingest.MaxBatchBytes, settings.Ingest.MaxSegmentBytes, settings.Ingest.MaxPendingBytes),
            metrics);
        var cancellation = new CancellationTokenSource();

        // The state to start from (checksums verified: a corrupt snapshot fails the deployment, and the job
        // manager falls back to an older checkpoint); a source then opens its log at the restored offset, which
        // also loads the producers' sequences. Only then does the task take calls: a retried push that came
        // earlier would not be recognised as a duplicate.
        if (deployment.Restore is { } handle)
        {
            task.Restore(await snapshots.ReadAsync(handle));
        }

        if (task.IsSource)
        {
            await task.OpenIngestAsync(cancellation.Token);
        }

        (_task, _cancellation) = (task, cancellation);
        metrics.AddInstance(_id, task);
        DelayDeactivation(Timeout.InfiniteTimeSpan);
        if (task.IsSource)
        {
            // Sources keep their job manager active: if its silo died, this call brings it back elsewhere and it
            // resumes supervising (checkpoints, heartbeats) without waiting for a client to call it.
            _watchdog ??= this.RegisterGrainTimer(
                () => GrainFactory.GetGrain<IJobManagerGrain>(_id.Job).GetInfoAsync().ContinueWith(_ => { }, TaskScheduler.Current),
                new GrainTimerCreationOptions { DueTime = WatchdogPeriod, Period = WatchdogPeriod, Interleave = true });
        }

        _loop = task.RunAsync(cancellation.Token);
        _ = ReportOutcomeAsync(task, _loop);
        LogDeployed(logger, _id.Job, _id.Operator, _id.Partition, deployment.Generation);
    }

    public async Task DeliverAsync(ChannelBatch batch)
    {
        var task = await RunningTaskAsync();
        if (batch.Generation < task.Deployment.Generation)
        {
            return; // from an older run of the job
        }

        await task.DeliverAsync(batch, _cancellation!.Token);
    }

    public async Task<PushResult> PushAsync(PushBatch batch)
    {
        var task = await RunningTaskAsync();
        return await task.PushAsync(batch, _cancellation!.Token);
    }

    public Task DrainAsync(long generation, FinalCommit commit)
    {
        if (_task?.Deployment.Generation == generation)
        {
            _task.Drain(commit);
        }

        return Task.CompletedTask;
    }

    public async Task CancelAsync(long generation)
    {
        if (_task is not null && _task.Deployment.Generation <= generation)
        {
            _watchdog?.Dispose();
            _watchdog = null;
            await StopLoopAsync();
            _task = null;
            DelayDeactivation(TimeSpan.Zero);
            DeactivateOnIdle();
        }
    }

    public Task TriggerCheckpointAsync(long generation, CheckpointBarrier barrier)
    {
        if (_task?.Deployment.Generation == generation && !_task.Finished)
        {
            _task.TriggerCheckpoint(barrier);
        }

        return Task.CompletedTask;
    }

    public async Task NotifyCheckpointCompleteAsync(long generation, long checkpointId, long oldestRetained)
    {
        if (_task?.Deployment.Generation == generation)
        {
            await _task.NotifyCheckpointCompleteAsync(checkpointId, oldestRetained, _cancellation!.Token);
        }
    }

    public Task AbortCheckpointAsync(long generation, long checkpointId)
    {
        if (_task?.Deployment.Generation == generation)
        {
            _task.Checkpointer.Abort(checkpointId);
        }

        return Task.CompletedTask;
    }

    public Task<string?> QueryAsync(string key) => Task.FromResult(_task?.Query(key));

    Task ICheckpointResponder.AcknowledgeAsync(SnapshotHandle handle)
    {
        _task?.OnAcknowledged(handle);
        return GrainFactory.GetGrain<ICheckpointCoordinatorGrain>(_id.Job).AcknowledgeCheckpointAsync(_task?.Deployment.Generation ?? 0, handle);
    }

    Task ICheckpointResponder.DeclineAsync(long checkpointId, string reason, bool superseded) =>
        GrainFactory.GetGrain<ICheckpointCoordinatorGrain>(_id.Job).DeclineCheckpointAsync(_task?.Deployment.Generation ?? 0, _id, checkpointId, reason, superseded);

    public Task<InstanceState> GetStateAsync(long generation) => Task.FromResult(
        _task?.Deployment.Generation != generation || _failure is not null ? InstanceState.NotRunning
        : _loop is { IsCompletedSuccessfully: true } ? InstanceState.Finished
        : InstanceState.Running);

    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(GrainContext.Address.SiloAddress!);

    public Task<JobMetrics> GetMetricsAsync() => Task.FromResult(_task?.Metrics ?? JobMetrics.Zero);

    public Task<InstanceMetrics> GetInstanceMetricsAsync() => Task.FromResult(
        (_task?.ReadMetrics() ?? new InstanceMetrics(_id, Running: false)) with { Running = _task is not null && _failure is null, Silo = GrainContext.Address.SiloAddress?.ToString() });

    Task IResultsPublisher.PublishAsync(ResultBatch batch)
    {
        _results ??= this.GetStreamProvider(ResultsStream.ProviderName).GetStream<ResultBatch>(StreamId.Create(ResultsStream.Namespace, _id.Job));
        return _results.OnNextAsync(batch);
    }

    private async Task<StreamTask> RunningTaskAsync()
    {
        if (_failure is not null)
        {
            throw new StreamJobException($"Operator instance {_id} of job '{_id.Job}' failed: {_failure}");
        }

        if (_task is { Finished: false })
        {
            return _task;
        }

        if (_task is not null)
        {
            // It ran its input to the end (a drain, or a generator's end): a late push or batch is refused, not a failure.
            throw new JobNotRunningException(_id.Job, JobStatus.Draining.ToString());
        }

        var info = await GrainFactory.GetGrain<IJobManagerGrain>(_id.Job).GetInfoAsync();
        if (info.Status is not (JobStatus.Running or JobStatus.Draining))
        {
            throw new JobNotRunningException(_id.Job, info.Status.ToString());
        }

        // The job runs but this instance has no task: its activation was lost (a silo failed, or it was
        // deactivated) and its in-memory state with it.
        // Reported without waiting: the caller may be a loop the job manager is itself waiting for.
        var reason = $"operator instance {_id} was activated without its state while the job was running (its silo failed or it was deactivated)";
        _ = ReportFailureSafelyAsync(GrainFactory.GetGrain<IJobManagerGrain>(_id.Job), info.Generation, reason);
        throw new StreamJobException($"Job '{_id.Job}' failed: {reason}.");
    }

    /// <summary>
    /// Tells the job manager how the loop ended. Not part of the loop itself: the job manager may be awaiting
    /// <see cref="CancelAsync"/>, which awaits the loop, and a report inside it would deadlock.
    /// </summary>
    private async Task ReportOutcomeAsync(StreamTask task, Task loop)
    {
        var jobManager = GrainFactory.GetGrain<IJobManagerGrain>(_id.Job);
        try
        {
            await loop;
            DelayDeactivation(TimeSpan.Zero);
            await jobManager.ReportFinishedAsync(_id, task.Deployment.Generation);
        }
        catch (OperationCanceledException) when (loop.IsCanceled || _cancellation is null || _cancellation.IsCancellationRequested)
        {
        }
        catch (Exception e) when (loop.IsFaulted)
        {
            _failure = e.Message;
            LogTaskFailed(logger, e, _id.Job, _id.Operator, _id.Partition, task.Deployment.Generation);
            await ReportFailureSafelyAsync(jobManager, task.Deployment.Generation, $"{_id}: {e.Message}");
        }
        catch (Exception e)
        {
            LogReportFailed(logger, e, _id.Job);
        }
    }

    private async Task ReportFailureSafelyAsync(IJobManagerGrain jobManager, long generation, string reason)
    {
        try
        {
            await jobManager.ReportFailureAsync(_id, generation, reason);
        }
        catch (Exception report)
        {
            LogReportFailed(logger, report, _id.Job);
        }
    }

    private async Task StopLoopAsync()
    {
        if (_task is not null)
        {
            metrics.RemoveInstance(_id, _task);
        }

        if (_loop is null)
        {
            return;
        }

        _cancellation!.Cancel();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // cancelled, or failed: ReportOutcomeAsync reports and logs it
        }

        _loop = null;
        _cancellation.Dispose();
        _cancellation = null;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deployed {Job}/{Operator}/{Partition} generation {Generation}")]
    private static partial void LogDeployed(ILogger logger, string job, string @operator, int partition, long generation);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operator instance {Job}/{Operator}/{Partition} generation {Generation} failed")]
    private static partial void LogTaskFailed(ILogger logger, Exception exception, string job, string @operator, int partition, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report a failure to the job manager of {Job}")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string job);
}
