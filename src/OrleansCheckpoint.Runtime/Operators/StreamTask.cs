using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Graph;
using OrleansCheckpoint.Runtime.Ingest;
using OrleansCheckpoint.Runtime.Metrics;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Limits and sizes of an operator instance's data path.</summary>
internal sealed record StreamTaskLimits(
    int BatchSize, int ChannelCapacity, int MaxPushEvents, long MaxPushBytes, long MaxSegmentBytes, long MaxPendingBytes, TimeSpan ProducerRetention);

/// <summary>
/// One running operator instance (Flink's StreamTask): the chain of operators, its input gate and output
/// writers, and the loop that takes one batch at a time from the gate, runs it through the chain, and sends
/// the output. The hosting grain is reentrant, so deliveries queue at the gate while the loop awaits its own
/// sends; everything still runs on the grain's single scheduler, one piece at a time.
/// </summary>
internal sealed partial class StreamTask : IInstanceMetricsSource
{
    /// <summary>A generator source generates every this many batches on the thread pool's global queue (see <see cref="GenerateAsync"/>).</summary>
    private const int GeneratorHopInterval = 8;

    private readonly StreamOperator[] _chain;
    private readonly IChannelWriter[] _writers;
    private readonly InputGate _gate;
    private readonly Dictionary<(int Vertex, int Partition), int> _channelOf = [];
    private readonly List<int> _inputOfChannel = []; // by channel: the index of its input in the head transformation's inputs
    private readonly ISourceOperator? _source;
    private readonly StreamTaskLimits _limits;
    private readonly OperatorContext _context;
    private readonly TaskCheckpointer _checkpointer;
    private readonly SourceIngest? _ingest;
    private readonly IGeneratorSourceOperator? _generator;
    private readonly Sources.IFileSourceOperator? _files;
    private readonly CancellationTokenSource _stopReading = new(); // a file source's: a drain stops a watching one
    private readonly int _parallelism;
    private readonly IGrainFactory _grains;
    private readonly SortedDictionary<long, long> _checkpointOffsets = []; // a source's log offset at each of its checkpoints
    private readonly int _firingSlice; // windows or timers fired before their output is sent: what the output channels hold
    private bool _draining;
    private bool _restored;
    private long _lastBarrier; // a source's: the last checkpoint whose barrier it injected
    private long? _stoppingWith; // a source's: the savepoint of a stop it takes no pushes for
    private readonly CancellationToken _cancellation;
    private FinalCommit? _finalCommit; // a source's, from the drain that ends its input
    private readonly StreamMetrics? _metrics;
    private readonly BusyTime _backPressure = new();
    private readonly RatePerSecond _inRate = new();
    private readonly RatePerSecond _outRate = new();
    private SnapshotHandle? _lastSnapshot;
    private readonly SnapshotStore _snapshots;

    public StreamTask(
        TaskDeployment deployment,
        PhysicalPlan plan,
        IGrainFactory grains,
        IResultsPublisher results,
        Sinks.IOutputFiles files,
        SnapshotStore snapshots,
        ICheckpointResponder checkpoints,
        Func<TaskId, IngestLog> ingestLogs,
        StreamTaskLimits limits,
        State.StateCopiers? copiers = null,
        CancellationToken cancellation = default,
        StreamMetrics? metrics = null,
        Sources.DeadLetters? deadLetters = null,
        Sources.ISourceFiles? sourceFiles = null,
        TimeProvider? time = null)
    {
        Deployment = deployment;
        _cancellation = cancellation;
        _metrics = metrics;
        _limits = limits;
        _grains = grains;
        var vertex = plan[deployment.Task.Operator];
        _context = new OperatorContext(
            deployment.Task, plan.MaxParallelism, KeyGroups.RangeOf(deployment.Task.Partition, plan.MaxParallelism, vertex.Parallelism), results, grains, files, deployment.Checkpointing,
            deployment.LastCheckpointId)
        {
            Copiers = copiers,
            TrackStateChanges = deployment.Checkpointing && deployment.Incremental,
            DeadLetters = deadLetters,
            SourceFiles = sourceFiles,
            Time = time ?? TimeProvider.System,
        };
        Func<TaskId, IOperatorGrain> resolve = task => grains.GetGrain<IOperatorGrain>(task.GrainKey);
        _chain = vertex.Chain.Select(t => t.Accept(OperatorFactory.Instance)).ToArray();
        foreach (var op in _chain)
        {
            op.Open(_context);
        }

        _writers = vertex.Outputs
            .Select(o => _chain[^1].CreateWriter(new ChannelWriterSpec(deployment.Task, vertex.Index, deployment.Generation, o, plan.MaxParallelism, limits.BatchSize, resolve, cancellation)))
            .ToArray();
        for (var i = 0; i < _chain.Length; i++)
        {
            _chain[i].ConnectOutput(i + 1 < _chain.Length ? _chain[i + 1] : null, _writers);
        }

        _source = _chain[0] as ISourceOperator;
        foreach (var (input, index) in vertex.Inputs.Select((input, index) => (input, index)))
        {
            var senders = input.Edge.Partitioning == Partitioning.Forward ? [deployment.Task.Partition] : Enumerable.Range(0, input.UpstreamParallelism);
            foreach (var sender in senders)
            {
                _channelOf[(input.UpstreamVertex, sender)] = _channelOf.Count;
                _inputOfChannel.Add(index);
            }
        }

        _gate = new InputGate(_source is null ? _channelOf.Count : 1, limits.ChannelCapacity, sequenced: _source is null);
        if (_source is IPushSourceOperator push)
        {
            _ingest = new SourceIngest(ingestLogs(deployment.Task), push, (batch, cancellation) => EnqueueParsedAsync(push, batch, cancellation), limits.MaxSegmentBytes, limits.MaxPendingBytes, limits.ProducerRetention);
        }

        _generator = _source as IGeneratorSourceOperator;
        _files = _source as Sources.IFileSourceOperator;
        _parallelism = vertex.Parallelism;
        _firingSlice = limits.BatchSize * limits.ChannelCapacity;

        _snapshots = snapshots;
        _checkpointer = new TaskCheckpointer(
            deployment.Task, _chain, _writers, _gate, () => _context.CurrentWatermark, snapshots, new ObservedResponder(checkpoints, OnAcknowledged),
            _context.TrackStateChanges ? new PieceChain(deployment.ConsolidateAfter) : null);
    }

    public TaskDeployment Deployment { get; }

    public bool IsSource => _source is not null;

    public bool Finished { get; private set; }

    public JobMetrics Metrics => _context.Counters.ToMetrics();

    public TaskCheckpointer Checkpointer => _checkpointer;

    /// <summary>Queues a batch from an upstream instance; waits while its channel is full.</summary>
    public Task DeliverAsync(ChannelBatch batch, CancellationToken cancellation)
    {
        if (!_channelOf.TryGetValue((batch.SenderVertex, batch.SenderPartition), out var channel))
        {
            throw new InvalidOperationException($"{Deployment.Task} has no input channel from vertex {batch.SenderVertex} partition {batch.SenderPartition}.");
        }

        return _gate.EnqueueAsync(channel, batch, cancellation);
    }

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> completed. A source drops the ingest-log segments that only
    /// hold events before the oldest checkpoint still retained: no restore will replay them.
    /// </summary>
    public async Task NotifyCheckpointCompleteAsync(long checkpointId, long oldestRetained, CancellationToken cancellation)
    {
        await _checkpointer.NotifyCompleteAsync(checkpointId);
        if (_ingest is not null && _checkpointOffsets.TryGetValue(oldestRetained, out var offset))
        {
            foreach (var older in _checkpointOffsets.Keys.Where(id => id < oldestRetained).ToList())
            {
                _checkpointOffsets.Remove(older);
            }

            await _ingest.Log.TruncateBeforeAsync(offset, cancellation);
        }
    }

    /// <summary>
    /// The instance was installed and runs: after a restore, sinks re-commit what the restored checkpoint pre-committed,
    /// in the background (slow result storage must not hold up the recovery; what fails to commit stays pending and is
    /// committed with the next checkpoint). Not at the restore itself: a deployment that gives up must commit nothing.
    /// </summary>
    public void OnStarted()
    {
        if (!_restored)
        {
            return;
        }

        foreach (var op in _chain)
        {
            _ = op.OnRestoredAsync().ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    /// <summary>This instance acknowledged <paramref name="handle"/> (its last snapshot, for the metrics).</summary>
    public void OnAcknowledged(SnapshotHandle handle) => Volatile.Write(ref _lastSnapshot, handle);

    /// <summary>The instance's figures; read from any thread (counters written on the grain's scheduler, read as they are).</summary>
    public InstanceMetrics ReadMetrics()
    {
        var counters = _context.Counters;
        var recordsIn = _source is null ? counters.RecordsIn : counters.EventsAccepted;
        var recordsOut = counters.ResultsEmitted + _writers.Sum(w => w.RecordsWritten);
        var watermark = _context.CurrentWatermark;
        var snapshot = Volatile.Read(ref _lastSnapshot);
        return new InstanceMetrics(
            Deployment.Task,
            Running: true,
            recordsIn,
            recordsOut,
            _inRate.Read(recordsIn),
            _outRate.Read(recordsOut),
            watermark == long.MinValue ? null : watermark,
            _backPressure.MsPerSecond(),
            snapshot?.AlignmentMs,
            snapshot?.SizeBytes,
            counters.LateRecordsDropped,
            DeadLetters: counters.DeadLetters);
    }

    public string? Query(string key) => _chain.FirstOrDefault(o => o.Transformation.IsQueryable)?.QueryJson(key);

    /// <summary>
    /// Runs the instance: for a source, what feeds its gate — the ingest writer (replay, then group commits), the
    /// generator or the file reader — beside the processing loop. Returns when the input has ended and everything was sent;
    /// throws when either fails.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        if (_ingest is null && _generator is null && _files is null)
        {
            await ProcessAsync(cancellation);
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var feeder = _ingest is not null ? FeedAsync(_ingest, stop.Token) : _files is not null ? ReadFilesAsync(_files, stop.Token) : GenerateAsync(_generator!, stop.Token);
        var processing = ProcessAsync(stop.Token);
        try
        {
            // A failure of either ends both; a generator that has queued its whole input leaves the rest to the loop.
            var first = await Task.WhenAny(feeder, processing);
            await (first == feeder && feeder.IsCompletedSuccessfully ? processing : first);
        }
        finally
        {
            stop.Cancel();
        }

        try
        {
            await feeder;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // the input ended: the writer has nothing more to do
        }
    }

    private async Task ProcessAsync(CancellationToken cancellation)
    {
        while (!Finished)
        {
            cancellation.ThrowIfCancellationRequested();
            await FireProcessingTimersAsync();
            if (!_gate.TryTake(out var channel, out var batch))
            {
                // Idle: send what is buffered rather than wait for full batches, then wait for input or the next timer.
                foreach (var writer in _writers)
                {
                    writer.FlushPartial();
                }

                await SendAsync();
                await WaitForInputOrTimerAsync(cancellation);
                continue;
            }

            await ProcessAsync(channel, batch);
            foreach (var op in _chain)
            {
                await op.FlushAsync();
                if (Finished)
                {
                    await op.EndOfInputAsync();
                }
            }

            await SendAsync();
        }
    }

    private async ValueTask ProcessAsync(int channel, ChannelBatch batch)
    {
        _context.CurrentInputWatermark = _source is null ? _gate.ChannelWatermark(channel) : _context.CurrentWatermark;
        if (_source is null)
        {
            _chain[0].ProcessBatch(batch, _inputOfChannel[channel]);
            _context.Counters.RecordsIn += batch.Count;
        }
        else
        {
            _chain[0].ProcessBatch(batch);
        }

        if (_source is not null && _source.TryAdvanceWatermark(out var generated))
        {
            await AdvanceWatermarkAsync(generated);
        }
        else if (batch.Watermark is { } watermark)
        {
            _gate.SetWatermark(channel, watermark);
            await AdvanceWatermarkAsync(_gate.MinWatermark);
        }

        if (batch.Barrier is { } barrier)
        {
            if (_source is not null)
            {
                _checkpointOffsets[barrier.CheckpointId] = _source.Offset;
                _checkpointer.OnSourceBarrier(barrier);
            }
            else
            {
                _checkpointer.OnBarrier(channel, barrier);
            }
        }

        if (batch.EndOfInput)
        {
            _context.FinalCommit ??= batch.FinalCommit; // every channel's end carries the same one
            _gate.MarkEnded(channel);
            _checkpointer.OnChannelEnded(channel);
            if (_gate.AllEnded)
            {
                await AdvanceWatermarkAsync(long.MaxValue);
                foreach (var writer in _writers)
                {
                    writer.EmitEndOfInput(_context.FinalCommit);
                }

                Finished = true;
            }
        }
    }

    /// <summary>
    /// Fires what the watermark makes due, operator by operator along the chain, a slice at a time: after each slice
    /// the output so far is sent (waiting for room downstream), so memory stays bounded however many windows close.
    /// The watermark itself follows the output it caused.
    /// </summary>
    private async ValueTask AdvanceWatermarkAsync(long watermark)
    {
        if (watermark <= _context.CurrentWatermark)
        {
            return;
        }

        _context.CurrentWatermark = watermark;
        foreach (var op in _chain)
        {
            while (!op.OnWatermark(watermark, _firingSlice))
            {
                await FlushAndSendAsync();
            }
        }

        foreach (var writer in _writers)
        {
            writer.EmitWatermark(watermark);
        }
    }

    private Task SendAsync()
    {
        var send = _writers.Length switch
        {
            0 => Task.CompletedTask,
            1 => _writers[0].SendAsync(),
            _ => Task.WhenAll(_writers.Select(w => w.SendAsync())),
        };
        return send.IsCompleted ? send : BackPressuredAsync(send);
    }

    /// <summary>The loop waits for its output to be taken downstream: that time is its back-pressured time.</summary>
    private async Task BackPressuredAsync(Task send)
    {
        _backPressure.Begin();
        try
        {
            await send;
        }
        finally
        {
            _backPressure.End();
        }
    }
}
