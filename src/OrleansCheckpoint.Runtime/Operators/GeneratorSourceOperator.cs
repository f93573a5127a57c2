using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>A source that generates its input; the instance's generator loop asks it for batches.</summary>
internal interface IGeneratorSourceOperator : ISourceOperator
{
    /// <summary>Prepares to generate partition <paramref name="partition"/>'s share, from the records already emitted (0, or the restored offset).</summary>
    void Start(int partition, int parallelism);

    /// <summary>
    /// The next batch of at most <paramref name="batchSize"/> records; false when the partition's share is all
    /// generated. Called off the grain's scheduler (one call at a time), while the grain processes earlier batches:
    /// it touches nothing the processing path writes.
    /// </summary>
    bool TryGenerate(long generation, int batchSize, out ChannelBatch batch);
}

/// <summary>
/// A generator source partition: emits the records at the global indices <c>p, p + P, …</c> below the count.
/// Its position is its offset, the records it has emitted (processed, not merely generated: batches waiting at
/// the gate when a checkpoint is taken are not in it), so after a restore it generates again from there.
/// </summary>
internal sealed class GeneratorSourceOperator<T>(GeneratorSourceTransformation<T> generator)
    : SourceOperatorBase<T>(generator, generator.Watermarks), IGeneratorSourceOperator
{
    private readonly Func<long, T> _eventAt = generator.EventAt;
    private long _partition;
    private long _parallelism = 1;
    private long _shareCount;
    private long _next;

    public void Start(int partition, int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parallelism);
        (_partition, _parallelism) = (partition, parallelism);
        _shareCount = generator.Count <= partition ? 0 : ((generator.Count - 1 - partition) / parallelism) + 1;
        _next = Offset;
    }

    public bool TryGenerate(long generation, int batchSize, out ChannelBatch batch)
    {
        var count = (int)Math.Min(batchSize, _shareCount - _next);
        if (count <= 0)
        {
            batch = null!;
            return false;
        }

        var records = new StreamRecord<T>[count];
        var index = _partition + (_next * _parallelism);
        for (var i = 0; i < count; i++, index += _parallelism)
        {
            var value = _eventAt(index);
            records[i] = new StreamRecord<T>(value, TimestampOf(value));
        }

        _next += count;
        batch = new ChannelBatch<T> { Generation = generation, SenderVertex = -1, SenderPartition = 0, Sequence = 0, Records = records };
        return true;
    }
}
