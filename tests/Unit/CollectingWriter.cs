using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>An output writer for operator tests: keeps what it is given, for the vertex <paramref name="downstreamUid"/>.</summary>
internal sealed class CollectingWriter<T>(string? downstreamUid = null) : IChannelWriter, IRecordConsumer<T>
{
    public List<(T Value, long Timestamp)> Records { get; } = [];

    public string? DownstreamUid => downstreamUid;

    public void Accept(T value, long timestamp) => Records.Add((value, timestamp));

    public void EmitWatermark(long watermark)
    {
    }

    public void EmitEndOfInput(FinalCommit? finalCommit)
    {
    }

    public void EmitBarrier(CheckpointBarrier barrier)
    {
    }

    public void FlushPartial()
    {
    }

    public Task SendAsync() => Task.CompletedTask;
}
