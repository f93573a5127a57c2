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
/// The grain of one operator instance (key <c>job/operator/partition</c>). It hosts at most one
/// <see cref="TaskExecution"/> (one generation of the instance) at a time. Reentrant, so that a delivery waiting for
/// room at the input gate does not stop other channels' deliveries (which would deadlock alignment later); the loop
/// and the calls still run one at a time on the grain's scheduler. Kept active while its job runs.
/// <para>
/// Fencing: <see cref="_fence"/> is the newest generation a deploy or a cancel has named. A deploy of an older one, or
/// of a cancelled one, gives up — also when it learns so only after restoring its state — so the last deploy to finish
/// never installs a stale loop. A message of an older generation than the instance runs is dropped; one of a newer
/// generation is refused with <see cref="InstanceNotReadyException"/>, and its sender retries.
/// </para>
/// </summary>
[Reentrant]
internal sealed partial class OperatorGrain(
    JobRegistry registry,
    SnapshotStore snapshots,
    IngestLogFactory ingestLogs,
    Sinks.IOutputFiles files,
    Orleans.Serialization.Cloning.IDeepCopierProvider copiers,
    Orleans.Serialization.DeepCopier copier,
    IOptions<OrleansCheckpointOptions> options,
    Metrics.StreamMetrics metrics,
    Sources.DeadLetters deadLetters,
    Sources.ISourceFiles sourceFiles,
    TimeProvider time,
    ILogger<OperatorGrain> logger)
    : Grain, IOperatorGrain, ISourceGrain, IResultsPublisher
{
    private static readonly TimeSpan WatchdogPeriod = TimeSpan.FromSeconds(2);
    private TaskId _id;
    private TaskExecution? _execution;
    private long _fence;
    private bool _fenceCancelled;
    private Task? _deploying; // the deploy of _fence under way, if any
    private IAsyncStream<ResultBatch>? _results;
    private IGrainTimer? _watchdog;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = TaskId.Parse(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await StopExecutionAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task DeployAsync(TaskDeployment deployment)
    {
        var generation = deployment.Generation;
        if (generation < _fence || (generation == _fence && (_fenceCancelled || _execution?.Generation == generation)))
        {
            return; // stale, cancelled, or deployed already
        }

        if (generation == _fence && _deploying is { } underWay)
        {
            await underWay; // the same deploy asked again (its first call timed out)
            return;
        }

        (_fence, _fenceCancelled) = (generation, false);
        var deploying = DeployCoreAsync(deployment);
        _deploying = deploying;
        try
        {
            await deploying;
        }
        finally
        {
            if (_deploying == deploying)
            {
                _deploying = null;
            }
        }
    }

    private async Task DeployCoreAsync(TaskDeployment deployment)
    {
        await StopExecutionAsync(); // the generation before stops first
        var settings = options.Value;
        var plan = registry.PlanOf(_id.Job, deployment.Parallelism, deployment.MaxParallelism);
        var execution = new TaskExecution(deployment.Generation, cancellation => new StreamTask(
            deployment,
            plan,
            GrainFactory,
            this,
            files,
            snapshots,
            new CoordinatorResponder(GrainFactory, _id, deployment.Generation),
            ingestLogs.Create,
            new StreamTaskLimits(settings.BatchSize, settings.ChannelCapacity, settings.Ingest.MaxBatchEvents, settings.Ingest.MaxBatchBytes, settings.Ingest.MaxSegmentBytes, settings.Ingest.MaxPendingBytes, settings.Ingest.ProducerRetention),
            new State.StateCopiers(copiers, copier),
            cancellation,
            metrics,
            deadLetters,
            sourceFiles,
            time));
        var task = execution.StreamTask;

        // The state to start from (checksums verified: a corrupt snapshot fails the deployment, and the job manager
        // falls back to an older checkpoint); a source then opens its log at the restored offset, which also loads the
        // producers' sequences. Only then does the instance take calls: a retried push that came earlier would not be
        // recognised as a duplicate. After each wait, a newer deploy or a cancel may have come: this one gives up.
        if (deployment.Restore is { } handle)
        {
            var restored = new List<Checkpointing.RestoredSnapshot> { await snapshots.ReadForRestoreAsync(handle) };
            foreach (var also in deployment.AlsoRestore ?? [])
            {
                restored.Add(await snapshots.ReadForRestoreAsync(also));
            }

            task.Restore(restored);
            if (!IsFenceOf(deployment.Generation))
            {
                LogSuperseded(logger, _id.Job, _id.Operator, _id.Partition, deployment.Generation, _fence);
                return;
            }
        }

        if (task.IsSource)
        {
            await task.OpenIngestAsync(execution.Cancellation);
            if (!IsFenceOf(deployment.Generation))
            {
                LogSuperseded(logger, _id.Job, _id.Operator, _id.Partition, deployment.Generation, _fence);
                return;
            }
        }

        _execution = execution;
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

        _ = ReportOutcomeAsync(execution, execution.Start());
        LogDeployed(logger, _id.Job, _id.Operator, _id.Partition, deployment.Generation);
    }

    private bool IsFenceOf(long generation) => _fence == generation && !_fenceCancelled;

    public async Task DeliverAsync(ChannelBatch batch)
    {
        if (_execution is { } execution && batch.Generation == execution.Generation)
        {
            ThrowIfNotRunning(execution);
            await execution.StreamTask.DeliverAsync(batch, execution.Cancellation);
            return;
        }

        var newest = Math.Max(_fence, _execution?.Generation ?? 0);
        if (batch.Generation < newest || (batch.Generation == _fence && _fenceCancelled))
        {
            return; // from an older (or a cancelled) run of the job
        }

        if (_fence > 0)
        {
            throw new InstanceNotReadyException(_id, batch.Generation, _execution?.Generation ?? 0); // a newer generation: not deployed here yet
        }

        throw await NoExecutionAsync(); // never deployed in this activation
    }

    public async Task<PushResult> PushAsync(PushBatch batch)
    {
        var execution = await RunningExecutionAsync();
        return await execution.StreamTask.PushAsync(batch, execution.Cancellation);
    }

    public async Task<long> GetProducerSequenceAsync(string producerId)
    {
        var execution = await RunningExecutionAsync();
        return await execution.StreamTask.ResumeProducerAsync(producerId, execution.Cancellation);
    }

    public Task DrainAsync(long generation, FinalCommit commit)
    {
        Current(generation)?.StreamTask.Drain(commit);
        return Task.CompletedTask;
    }

    public async Task CancelAsync(long generation)
    {
        if (generation >= _fence)
        {
            (_fence, _fenceCancelled) = (generation, true); // a deploy of it under way gives up
        }

        if (_execution is { } execution && execution.Generation <= generation)
        {
            _watchdog?.Dispose();
            _watchdog = null;
            await StopExecutionAsync();
            DelayDeactivation(TimeSpan.Zero);
            DeactivateOnIdle();
        }
    }

    public Task TriggerCheckpointAsync(long generation, CheckpointBarrier barrier)
    {
        if (Current(generation) is { Finished: false } execution)
        {
            execution.StreamTask.TriggerCheckpoint(barrier);
        }

        return Task.CompletedTask;
    }

    public async Task NotifyCheckpointCompleteAsync(long generation, long checkpointId, long oldestRetained)
    {
        if (Current(generation) is { } execution)
        {
            await execution.StreamTask.NotifyCheckpointCompleteAsync(checkpointId, oldestRetained, execution.Cancellation);
        }
    }

    public Task AbortCheckpointAsync(long generation, long checkpointId)
    {
        if (Current(generation) is { } execution)
        {
            execution.StreamTask.Checkpointer.Abort(checkpointId);
            execution.StreamTask.OnCheckpointAborted(checkpointId);
        }

        return Task.CompletedTask;
    }

    public Task<string?> QueryAsync(string key) => Task.FromResult(_execution?.StreamTask.Query(key));

    public Task<InstanceState> GetStateAsync(long generation) => Task.FromResult(Current(generation)?.State ?? InstanceState.NotRunning);

    public Task<SiloAddress> GetSiloAsync() => Task.FromResult(GrainContext.Address.SiloAddress!);

    public Task<JobMetrics> GetMetricsAsync() => Task.FromResult(_execution?.StreamTask.Metrics ?? JobMetrics.Zero);

    public Task<InstanceMetrics> GetInstanceMetricsAsync() => Task.FromResult(
        (_execution?.StreamTask.ReadMetrics() ?? new InstanceMetrics(_id, Running: false)) with
        {
            Running = _execution is { Failure: null },
            Silo = GrainContext.Address.SiloAddress?.ToString(),
        });

    Task IResultsPublisher.PublishAsync(ResultBatch batch)
    {
        _results ??= this.GetStreamProvider(ResultsStream.ProviderName).GetStream<ResultBatch>(StreamId.Create(ResultsStream.Namespace, _id.Job));
        return _results.OnNextAsync(batch);
    }

    /// <summary>The execution of <paramref name="generation"/>, if it is the one installed.</summary>
    private TaskExecution? Current(long generation) => _execution?.Generation == generation ? _execution : null;

    private void ThrowIfNotRunning(TaskExecution execution)
    {
        if (execution.Failure is { } failure)
        {
            throw new StreamJobException($"Operator instance {_id} of job '{_id.Job}' failed: {failure}");
        }

        if (execution.Finished)
        {
            // It ran its input to the end (a drain, or a generator's end): a late push or batch is refused, not a failure.
            throw new JobNotRunningException(_id.Job, JobStatus.Draining.ToString());
        }
    }

    /// <summary>The execution a push goes to; throws when there is none to take it.</summary>
    private async Task<TaskExecution> RunningExecutionAsync()
    {
        if (_execution is { } execution && !execution.Cancellation.IsCancellationRequested)
        {
            ThrowIfNotRunning(execution);
            return execution;
        }

        if (_fence > 0 && !_fenceCancelled)
        {
            throw new JobNotRunningException(_id.Job, JobStatus.Restarting.ToString()); // being deployed: the client retries
        }

        throw await NoExecutionAsync();
    }

    /// <summary>
    /// The error for a call on an instance that has no execution: if its job runs, the activation was lost (its silo
    /// failed, or it was deactivated) with its in-memory state, a failure of the job (reported); otherwise the job is not running.
    /// </summary>
    private async Task<Exception> NoExecutionAsync()
    {
        var info = await GrainFactory.GetGrain<IJobManagerGrain>(_id.Job).GetInfoAsync();
        if (info.Status is not (JobStatus.Running or JobStatus.Draining))
        {
            return new JobNotRunningException(_id.Job, info.Status.ToString());
        }

        // Reported without waiting: the caller may be a loop the job manager is itself waiting for.
        var reason = $"operator instance {_id} was activated without its state while the job was running (its silo failed or it was deactivated)";
        _ = ReportFailureSafelyAsync(GrainFactory.GetGrain<IJobManagerGateway>(_id.Job), info.Generation, reason);
        return new StreamJobException($"Job '{_id.Job}' failed: {reason}.");
    }

    /// <summary>
    /// Tells the job manager how the loop ended. Not part of the loop itself: the job manager may be awaiting
    /// <see cref="CancelAsync"/>, which awaits the loop, and a report inside it would deadlock.
    /// </summary>
    private async Task ReportOutcomeAsync(TaskExecution execution, Task loop)
    {
        var jobManager = GrainFactory.GetGrain<IJobManagerGateway>(_id.Job);
        try
        {
            await loop;
            DelayDeactivation(TimeSpan.Zero);
            await jobManager.ReportFinishedAsync(_id, execution.Generation);
        }
        catch (OperationCanceledException) when (execution.Cancellation.IsCancellationRequested)
        {
        }
        catch (Exception e) when (loop.IsFaulted)
        {
            execution.Fail(e.Message);
            LogTaskFailed(logger, e, _id.Job, _id.Operator, _id.Partition, execution.Generation);
            await ReportFailureSafelyAsync(jobManager, execution.Generation, $"{_id}: {e.Message}");
        }
        catch (Exception e)
        {
            LogReportFailed(logger, e, _id.Job);
        }
    }

    private async Task ReportFailureSafelyAsync(IJobManagerGateway jobManager, long generation, string reason)
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

    private async Task StopExecutionAsync()
    {
        if (_execution is { } execution)
        {
            metrics.RemoveInstance(_id, execution.StreamTask);
            _execution = null;
            await execution.StopAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deployed {Job}/{Operator}/{Partition} generation {Generation}")]
    private static partial void LogDeployed(ILogger logger, string job, string @operator, int partition, long generation);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Job}/{Operator}/{Partition}: the deployment of generation {Generation} gave up: generation {Fence} was deployed or cancelled meanwhile")]
    private static partial void LogSuperseded(ILogger logger, string job, string @operator, int partition, long generation, long fence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operator instance {Job}/{Operator}/{Partition} generation {Generation} failed")]
    private static partial void LogTaskFailed(ILogger logger, Exception exception, string job, string @operator, int partition, long generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report a failure to the job manager of {Job}")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string job);
}
