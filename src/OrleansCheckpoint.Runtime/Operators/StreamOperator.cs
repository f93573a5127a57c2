using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Something that accepts records: the next operator of a chain, or the writers of a chain's output.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal interface IRecordConsumer<in T>
{
    void Accept(T value, long timestamp);
}

/// <summary>
/// An operator hosted by an operator grain. Records reach it through <see cref="IRecordConsumer{T}"/>;
/// watermarks, end of input and flushes reach every operator of a chain in order, from the grain's task.
/// Operators run on the grain's single scheduler and never block.
/// </summary>
internal abstract class StreamOperator(Transformation transformation)
{
    public Transformation Transformation { get; } = transformation;

    protected OperatorContext Context { get; private set; } = null!;

    public virtual void Open(OperatorContext context) => Context = context;

    /// <summary>Feeds a batch received on an input channel to this (head) operator.</summary>
    public abstract void ProcessBatch(ChannelBatch batch);

    /// <summary>Feeds a batch of input <paramref name="input"/> (its index in the transformation's inputs) to this (head) operator.</summary>
    public virtual void ProcessBatch(ChannelBatch batch, int input) => ProcessBatch(batch);

    /// <summary>An empty batch of this (head) operator's input type that carries only a control element.</summary>
    public abstract ChannelBatch CreateControl(long generation, long sequence, CheckpointBarrier? barrier = null, bool endOfInput = false, FinalCommit? finalCommit = null);

    /// <summary>Creates the writer of one output edge, typed with this operator's output type.</summary>
    public abstract IChannelWriter CreateWriter(ChannelWriterSpec spec);

    /// <summary>Connects this operator's output: the next operator of its chain, or the chain's writers.</summary>
    public abstract void ConnectOutput(StreamOperator? next, IReadOnlyList<IChannelWriter> writers);

    /// <summary>
    /// The instance's watermark advanced to <paramref name="watermark"/>: fire the event-time windows and timers it
    /// makes due, at most <paramref name="budget"/> of them; return whether all due ones are fired. The task sends
    /// the output so far (waiting for room downstream) before it asks again, so a watermark that closes millions of
    /// windows — the end of the input — does not buffer all their output at once.
    /// </summary>
    public virtual bool OnWatermark(long watermark, int budget) => true;

    /// <summary>When this operator's earliest processing-time timer is due (Unix milliseconds); null if it has none.</summary>
    public virtual long? NextProcessingTimer => null;

    /// <summary>
    /// The clock reads <paramref name="now"/>: fire the processing-time timers due by then, at most <paramref name="budget"/>
    /// of them; return whether all due ones are fired. Called by the task's loop between batches and when it wakes for
    /// <see cref="NextProcessingTimer"/>, on the grain's scheduler (never beside record processing); sliced as
    /// <see cref="OnWatermark"/> is.
    /// </summary>
    public virtual bool OnProcessingTime(long now, int budget) => true;

    /// <summary>
    /// The synchronous part of a snapshot: an immutable view of this operator's state (copy-on-write, never a
    /// deep copy on the processing path), serializable by Orleans; <c>null</c> for a stateless operator.
    /// </summary>
    public virtual object? SnapshotState(long checkpointId) => null;

    /// <summary>
    /// Beside <see cref="SnapshotState"/>, on the processing path: the operator's consistency functions bound to an
    /// immutable view of its state as of <paramref name="checkpointId"/>, to run on another thread (null when it has
    /// none). The check returns null when the state is consistent, else the violation in words.
    /// </summary>
    public virtual Func<string?>? PrepareConsistencyCheck(long checkpointId) => null;

    /// <summary>
    /// For an operator whose keyed state is checkpointed in pieces (<see cref="IIncrementalStateOperator"/>): the state it
    /// also keeps that is not keyed (broadcast state), taken beside its pieces and restored by <see cref="RestoreState"/>;
    /// null when it has none.
    /// </summary>
    public virtual object? SnapshotNonKeyedState(long checkpointId) => null;

    /// <summary>
    /// After a rescale, for an instance that takes only keyed entries from a former instance's snapshot (another instance
    /// takes the rest): state every instance holds a copy of (broadcast state) may still be taken from it.
    /// </summary>
    public virtual void RestoreSharedState(object state)
    {
    }

    /// <summary>Loads state taken by <see cref="SnapshotState"/> (of this operator's uid) before any record arrives.</summary>
    public virtual void RestoreState(object state)
    {
    }

    /// <summary>
    /// After a rescale: loads the state of former instance <paramref name="partition"/>, which no instance of that number
    /// runs any more (sinks inherit its pending transactions). Operators whose state cannot be merged refuse.
    /// </summary>
    public virtual void RestoreStateOf(int partition, object state) =>
        throw new Errors.IncompatibleSnapshotException($"Operator '{Transformation.Uid}' keeps state that cannot move to another instance: it cannot be restored at another parallelism.");

    /// <summary>After <see cref="RestoreState"/>: finish what the restored checkpoint promised (sinks commit here).</summary>
    public virtual Task OnRestoredAsync() => Task.CompletedTask;

    /// <summary>Checkpoint <paramref name="checkpointId"/> completed everywhere (transactional sinks commit here).</summary>
    public virtual Task NotifyCheckpointCompleteAsync(long checkpointId) => Task.CompletedTask;

    /// <summary>Every input ended (after a drain) and the last watermark was processed: commit what is left.</summary>
    public virtual Task EndOfInputAsync() => Task.CompletedTask;

    /// <summary>Called after each input batch; sinks publish what they collected.</summary>
    public virtual ValueTask FlushAsync() => ValueTask.CompletedTask;

    /// <summary>The current value of <paramref name="key"/> in this operator's queryable state, as JSON.</summary>
    public virtual string? QueryJson(string key) => null;

    /// <summary>Its state that is not keyed, in words, as restored (a source's position, a sink's pending transactions); null if none.</summary>
    public virtual string? DescribeState() => null;
}

/// <summary>An operator with one input of <typeparamref name="TIn"/> that emits <typeparamref name="TOut"/>.</summary>
/// <typeparam name="TIn">The input record type.</typeparam>
/// <typeparam name="TOut">The output record type.</typeparam>
internal abstract class OneInputOperator<TIn, TOut>(Transformation transformation) : StreamOperator(transformation), IRecordConsumer<TIn>
{
    protected IRecordConsumer<TOut> Output { get; private set; } = DiscardingConsumer<TOut>.Instance;

    /// <summary>Whether anything consumes the output (operators skip building output records otherwise).</summary>
    protected bool HasOutput => Output is not DiscardingConsumer<TOut>;

    public abstract void Accept(TIn value, long timestamp);

    public override void ProcessBatch(ChannelBatch batch)
    {
        foreach (var record in ((ChannelBatch<TIn>)batch).Records)
        {
            Accept(record.Value, record.Timestamp);
        }
    }

    public override ChannelBatch CreateControl(long generation, long sequence, CheckpointBarrier? barrier = null, bool endOfInput = false, FinalCommit? finalCommit = null) =>
        new ChannelBatch<TIn> { Generation = generation, SenderVertex = -1, SenderPartition = 0, Sequence = sequence, Barrier = barrier, EndOfInput = endOfInput, FinalCommit = finalCommit, Records = [] };

    public override IChannelWriter CreateWriter(ChannelWriterSpec spec) => new RecordWriter<TOut>(spec);

    public override void ConnectOutput(StreamOperator? next, IReadOnlyList<IChannelWriter> writers) =>
        Output = next is not null ? (IRecordConsumer<TOut>)next
            : writers.Count switch
            {
                0 => DiscardingConsumer<TOut>.Instance,
                1 => (IRecordConsumer<TOut>)writers[0],
                _ => new FanOutConsumer<TOut>(writers.Cast<IRecordConsumer<TOut>>().ToArray()),
            };
}

internal sealed class DiscardingConsumer<T> : IRecordConsumer<T>
{
    public static readonly DiscardingConsumer<T> Instance = new();

    public void Accept(T value, long timestamp)
    {
    }
}

internal sealed class FanOutConsumer<T>(IRecordConsumer<T>[] consumers) : IRecordConsumer<T>
{
    public void Accept(T value, long timestamp)
    {
        foreach (var consumer in consumers)
        {
            consumer.Accept(value, timestamp);
        }
    }
}
