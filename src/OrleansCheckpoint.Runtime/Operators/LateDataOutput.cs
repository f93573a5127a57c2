using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Channels;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// A window's late-data side output: the writers of its output edges into the side output's vertex (made typed
/// <typeparamref name="T"/>, the window's input) and where a record later than the allowed lateness goes. Without a
/// consumed side output a late record is counted as dropped.
/// </summary>
/// <typeparam name="T">The window's input record type.</typeparam>
internal sealed class LateDataOutput<T>(SideOutputTransformation<T>? sideOutput)
{
    private readonly string? _uid = sideOutput?.Uid;
    private IRecordConsumer<T>? _consumer;

    /// <summary>A writer of <typeparamref name="T"/> for an edge into the side output; null for any other edge.</summary>
    public IChannelWriter? TryCreateWriter(ChannelWriterSpec spec) =>
        _uid is not null && spec.Output.DownstreamUid == _uid ? new RecordWriter<T>(spec) : null;

    /// <summary>Takes the side output's writers out of <paramref name="writers"/>; returns the others (the main output's).</summary>
    public IReadOnlyList<IChannelWriter> Connect(IReadOnlyList<IChannelWriter> writers)
    {
        var side = writers.Where(w => _uid is not null && w.DownstreamUid == _uid).Cast<IRecordConsumer<T>>().ToArray();
        _consumer = side.Length switch
        {
            0 => null,
            1 => side[0],
            _ => new FanOutConsumer<T>(side),
        };
        return side.Length == 0 ? writers : [.. writers.Where(w => w.DownstreamUid != _uid)];
    }

    /// <summary>A record later than the allowed lateness: to the side output, or counted and dropped.</summary>
    public void Late(T value, long timestamp, TaskCounters counters)
    {
        if (_consumer is null)
        {
            counters.LateRecordsDropped++;
            return;
        }

        counters.LateRecordsSideOutput++;
        _consumer.Accept(value, timestamp);
    }
}
