using System.Diagnostics;
using System.Text;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Ingest;
using OrleansCheckpoint.Runtime.Metrics;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>A source instance's side of <see cref="StreamTask"/>: its ingest log and pushes, or its generator; drains and barriers.</summary>
internal sealed partial class StreamTask
{
    private Sources.DeadLetterWriter? _deadLetterWriter;

    public SourceIngest? Ingest => _ingest;

    /// <summary>
    /// A source opens its ingest log at the position it was restored to (or 0; or where a rescale that added it started
    /// it), ready to replay what follows.
    /// </summary>
    public async Task OpenIngestAsync(CancellationToken cancellation)
    {
        if (_ingest is null)
        {
            return; // a generator: it starts from its restored offset when it runs
        }

        if (Deployment.LogStart is { } start && !_restored)
        {
            // No checkpoint knows this partition's producers: the log tells them (a producer that pushed here before its
            // reader went goes on numbering, and a retry of what it logged then is recognised).
            await _ingest.OpenAsync(start, null, Deployment.Generation, cancellation, learnWholeLog: true);
            _chain[0].RestoreState(new SourceState(start, long.MinValue, long.MinValue, new Dictionary<string, long>(_ingest.Log.ProducerSequences)));
            return;
        }

        var position = _source!.Position;
        await _ingest.OpenAsync(position.Offset, position.ProducerSequences, Deployment.Generation, cancellation);
    }

    /// <summary>The sequence of the last push accepted from <paramref name="producerId"/> (sources only; 0 if none).</summary>
    public Task<long> ResumeProducerAsync(string producerId, CancellationToken cancellation) => _ingest?.ResumeProducerAsync(producerId, cancellation)
        ?? throw new StreamJobException($"{Deployment.Task} takes no pushes: push to the job's source operator.");

    /// <summary>Parses a client's push, logs it durably and queues it (sources only); waits while the source is busy.</summary>
    public async Task<PushResult> PushAsync(PushBatch push, CancellationToken cancellation)
    {
        if (_source is null || _ingest is null)
        {
            throw new StreamJobException(_source is null
                ? $"{Deployment.Task} is not a source; push to the job's source operator."
                : $"{Deployment.Task} generates its own input; job '{Deployment.Task.Job}' takes no pushes.");
        }

        if (_draining)
        {
            throw new JobNotRunningException(Deployment.Task.Job, JobStatus.Draining.ToString());
        }

        var bytes = push.Lines.Sum(l => (long)Encoding.UTF8.GetByteCount(l)); // lines travel and are logged as UTF-8
        if (push.Lines.Length > _limits.MaxPushEvents || bytes > _limits.MaxPushBytes)
        {
            throw new BatchTooLargeException(Deployment.Task.Job, push.Lines.Length, bytes, _limits.MaxPushEvents, _limits.MaxPushBytes);
        }

        var started = Stopwatch.GetTimestamp();
        var result = await _ingest.PushAsync(push, Deployment.Generation, cancellation);
        if (!result.Duplicate)
        {
            _context.Counters.EventsAccepted += result.Accepted;
            if (_metrics is not null)
            {
                var tags = StreamMetrics.Tags(Deployment.Task);
                _metrics.EventsAccepted.Add(result.Accepted, tags);
                _metrics.BytesLogged.Add(bytes, tags);
                _metrics.PushLatency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
            }
        }

        return result;
    }

    /// <summary>
    /// Ends a source's input: it takes no more pushes (nor one waiting for room); what it accepted (and, after a
    /// restore, the replay of its log) is logged and queued, then the end of its input, which carries
    /// <paramref name="commit"/> to the sinks. Does not wait for any of that: the feeder does it (see <see cref="FeedAsync"/>).
    /// </summary>
    public void Drain(FinalCommit commit)
    {
        if (_files?.Settings.DiscoveryInterval is not null && !_draining)
        {
            // A watching file source reads for good: a drain stops it after the batch it is reading. (A bounded one, like a
            // generator, reads to its end: another instance's end of input drains the job while this one still reads.)
            _draining = true;
            _finalCommit = commit;
            _stopReading.Cancel();
            return;
        }

        if (_ingest is null || _draining)
        {
            return;
        }

        _draining = true;
        _finalCommit = commit;
        _ingest.Close(() => new JobNotRunningException(Deployment.Task.Job, JobStatus.Draining.ToString()));
    }

    /// <summary>A source's checkpoint trigger: the barrier follows every event accepted so far, without waiting for room.</summary>
    public void TriggerCheckpoint(CheckpointBarrier barrier)
    {
        if (_source is null)
        {
            throw new InvalidOperationException($"{Deployment.Task} is not a source; barriers reach it through its channels.");
        }

        if (_draining)
        {
            return;
        }

        // Triggers are separate calls: with several checkpoints in flight, a later one can arrive first. Its barrier is
        // in the stream already, so this one cannot be placed before it: it is declined (superseded, not a failure).
        if (barrier.CheckpointId <= _lastBarrier)
        {
            _checkpointer.Decline(barrier.CheckpointId, $"its trigger reached {Deployment.Task} after that of checkpoint {_lastBarrier}", superseded: true);
            return;
        }

        _lastBarrier = barrier.CheckpointId;
        if (_stoppingWith is not null)
        {
            OnCheckpointAborted(_stoppingWith.Value); // a newer barrier: the stop's savepoint ended without a stop (its abort notice was lost)
        }

        if (barrier.StopsSources && _ingest is not null)
        {
            // A stop with a savepoint: no more pushes; the barrier follows every push accepted (once it is queued).
            _stoppingWith = barrier.CheckpointId;
            _ingest.Suspend(() => new JobNotRunningException(Deployment.Task.Job, "Stopping"));
            _ = InjectWhenAcceptedQueuedAsync(_ingest, barrier);
            return;
        }

        _gate.EnqueueControl(0, _chain[0].CreateControl(Deployment.Generation, 0, barrier: barrier));
    }

    /// <summary>The savepoint of a stop was aborted: the source takes pushes again.</summary>
    public void OnCheckpointAborted(long checkpointId)
    {
        if (_stoppingWith == checkpointId)
        {
            _stoppingWith = null;
            _ingest?.Resume();
        }
    }

    private async Task InjectWhenAcceptedQueuedAsync(SourceIngest ingest, CheckpointBarrier barrier)
    {
        try
        {
            await ingest.WhenAcceptedQueuedAsync(_cancellation);
        }
        catch (Exception e)
        {
            _checkpointer.Decline(barrier.CheckpointId, $"{Deployment.Task} could not queue what it accepted before the savepoint: {e.Message}", superseded: false);
            return;
        }

        _gate.EnqueueControl(0, _chain[0].CreateControl(Deployment.Generation, 0, barrier: barrier));
    }

    /// <summary>
    /// Queues a logged batch for processing, after writing the dead letters of the lines its source rejected (create-only:
    /// a replay writes the same letters under the same names), so no checkpoint that includes the batch completes without them.
    /// </summary>
    private async Task EnqueueParsedAsync(IPushSourceOperator source, ChannelBatch batch, CancellationToken cancellation)
    {
        if (source.LettersOf(batch) is { Count: > 0 } letters)
        {
            _deadLetterWriter ??= (_context.DeadLetters ?? throw new InvalidOperationException($"{Deployment.Task} rejected records but has no dead-letter facility."))
                .WriterFor(Deployment.Task, source.DeadLetterLocation);
            await _deadLetterWriter.WriteAsync(letters, cancellation);
        }

        await _gate.EnqueueAsync(0, batch, cancellation);
    }

    /// <summary>A pushed source's feeder: the ingest log's replay and pushes until a drain closes it, then the end of its input.</summary>
    private async Task FeedAsync(SourceIngest ingest, CancellationToken cancellation)
    {
        await ingest.RunAsync(Deployment.Generation, cancellation);
        await _gate.EnqueueAsync(0, _chain[0].CreateControl(Deployment.Generation, 0, endOfInput: true, finalCommit: _finalCommit), cancellation);
    }

    /// <summary>
    /// A generator source's feeder: queues its share in batches (waiting for room at the gate: backpressure),
    /// from the offset it was restored to, then the end of its input. Every <see cref="GeneratorHopInterval"/>th
    /// batch is generated on the thread pool's global queue, outside the grain's turns, so that the grain's work
    /// queue empties now and then. Otherwise the generator and the processing loop keep it busy, Orleans re-queues
    /// the grain on its thread's local queue again and again, and the work waiting on the global queue (timers,
    /// checkpoint triggers and acknowledgements, messages) starves — measured: thread-pool stalls of 1–1.7 s and
    /// checkpoints of over a second while a job ran. (Generating every batch there costs about 8% of the throughput.)
    /// </summary>
    private async Task GenerateAsync(IGeneratorSourceOperator generator, CancellationToken cancellation)
    {
        generator.Start(Deployment.Task.Partition, _parallelism);
        var (generation, batchSize) = (Deployment.Generation, _limits.BatchSize);
        ChannelBatch? Next() => generator.TryGenerate(generation, batchSize, out var batch) ? batch : null;
        for (var n = 1; (n % GeneratorHopInterval == 0 ? await Task.Factory.StartNew(Next, cancellation, TaskCreationOptions.PreferFairness, TaskScheduler.Default) : Next()) is { } batch; n++)
        {
            _context.Counters.EventsAccepted += batch.Count;
            await _gate.EnqueueAsync(0, batch, cancellation);
        }

        await EndInputAsync(generation, cancellation);
    }

    /// <summary>
    /// A file source's feeder: reads its files (from the position it was restored to) into batches queued at the gate, then,
    /// unless it watches for new files, the end of its input. Its rejected records go to its dead-letter location.
    /// </summary>
    private async Task ReadFilesAsync(Sources.IFileSourceOperator files, CancellationToken cancellation)
    {
        var deadLetters = _context.DeadLetters ?? throw new InvalidOperationException($"{Deployment.Task} reads files, but the silo has no dead-letter facility.");
        var reader = new Sources.FileSourceReader(
            files, _context.SourceFiles ?? throw new InvalidOperationException($"{Deployment.Task} reads files, but the silo gives it none."),
            deadLetters.WriterFor(Deployment.Task, files.Settings.DeadLetters), Deployment.Task, _parallelism, _limits.BatchSize, (batch, c) => _gate.EnqueueAsync(0, batch, c))
        {
            OnRead = count => _context.Counters.EventsAccepted += count,
        };
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _stopReading.Token);
        try
        {
            await reader.RunAsync(Deployment.Generation, reading.Token);
        }
        catch (OperationCanceledException) when (_stopReading.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            // drained (a watching source): the end of input carries the drain's commit
            await _gate.EnqueueAsync(0, _chain[0].CreateControl(Deployment.Generation, 0, endOfInput: true, finalCommit: _finalCommit), cancellation);
            return;
        }

        await EndInputAsync(Deployment.Generation, cancellation);
    }

    /// <summary>A source that reads its own input read all of it: the end of its input follows, carrying the job's final commit.</summary>
    private async Task EndInputAsync(long generation, CancellationToken cancellation)
    {
        _draining = true; // a barrier injected from now on would queue behind the end of input and never be processed

        // The job finishes like a drain: the sinks commit what is left under an id the job manager reserves once, so a
        // run that ends again after a failure commits the same output under the same id. (Waited for with the
        // instance's cancellation: the manager may be cancelling this instance meanwhile.)
        FinalCommit? commit;
        while (true)
        {
            try
            {
                commit = await _grains.GetGrain<IJobManagerGateway>(Deployment.Task.Job).EndInputAsync(Deployment.Task, generation).WaitAsync(cancellation);
                break;
            }
            catch (TimeoutException)
            {
                // The manager was busy for longer than a call may take (a long deployment): the call is idempotent.
            }
        }

        await _gate.EnqueueAsync(0, _chain[0].CreateControl(Deployment.Generation, 0, endOfInput: true, finalCommit: commit), cancellation);
    }
}
