using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// A sender whose delivery timed out while the receiver waited for room sends the same batch again: the gate
/// counts it once, and the retry completes only once the original is queued, so the next batch cannot overtake it.
/// </summary>
public sealed class InputGateRetryTests
{
    [Fact]
    public async Task A_retry_of_a_batch_still_waiting_for_room_waits_for_it_and_the_channel_keeps_its_order()
    {
        var gate = new InputGate(channelCount: 1, capacity: 1);
        await gate.EnqueueAsync(0, Batch(1), default);
        var original = gate.EnqueueAsync(0, Batch(2), default); // the channel is full: it waits (and its caller times out)

        var retry = gate.EnqueueAsync(0, Batch(2), default);
        await Task.Yield();
        Assert.False(retry.IsCompleted); // the sender hears nothing until batch 2 is really in

        Assert.True(gate.TryTake(out _, out var first));
        Assert.Equal(1, first.Sequence);
        Assert.True(await original);
        Assert.False(await retry); // a duplicate: not queued twice
        var next = gate.EnqueueAsync(0, Batch(3), default); // only now does the sender go on
        Assert.True(gate.TryTake(out _, out var second));
        Assert.True(await next);
        Assert.True(gate.TryTake(out _, out var third));

        Assert.Equal([2L, 3L], new[] { second.Sequence, third.Sequence });
        Assert.False(gate.TryTake(out _, out _));
    }

    [Fact]
    public async Task A_retry_of_a_batch_already_queued_is_dropped_at_once()
    {
        var gate = new InputGate(channelCount: 1, capacity: 2);
        Assert.True(await gate.EnqueueAsync(0, Batch(1), default));
        Assert.False(await gate.EnqueueAsync(0, Batch(1), default));
        Assert.True(gate.TryTake(out _, out _));
        Assert.False(gate.TryTake(out _, out _));
    }

    private static ChannelBatch<int> Batch(long sequence) =>
        new() { Generation = 1, SenderVertex = 0, SenderPartition = 0, Sequence = sequence, Records = [new StreamRecord<int>((int)sequence, 0)] };
}
