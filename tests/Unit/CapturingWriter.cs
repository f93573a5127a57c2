using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The end of an operator chain that keeps what reaches it.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class CapturingWriter<T> : IChannelWriter, IRecordConsumer<T>
{
    public List<(T Value, long Timestamp)> Records { get; } = [];

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
