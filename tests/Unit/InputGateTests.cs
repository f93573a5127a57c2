using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class InputGateTests
{
    [Fact]
    public async Task Each_channel_keeps_its_order_and_the_gate_serves_channels_in_turn()
    {
        var gate = new InputGate(channelCount: 2, capacity: 4);
        await gate.EnqueueAsync(0, Batch(1), default);
        await gate.EnqueueAsync(0, Batch(2), default);
        await gate.EnqueueAsync(1, Batch(1, sender: 1), default);

        var taken = new List<(int Channel, long Sequence)>();
        while (gate.TryTake(out var channel, out var batch))
        {
            taken.Add((channel, batch.Sequence));
        }

        Assert.Equal([(0, 1L), (1, 1L), (0, 2L)], taken);
    }

    [Fact]
    public async Task A_full_channel_makes_its_sender_wait_until_the_consumer_takes_a_batch_while_other_channels_still_get_in()
    {
        var gate = new InputGate(channelCount: 2, capacity: 2);
        await gate.EnqueueAsync(0, Batch(1), default);
        await gate.EnqueueAsync(0, Batch(2), default);

        var third = gate.EnqueueAsync(0, Batch(3), default);
        var other = gate.EnqueueAsync(1, Batch(1, sender: 1), default);
        await Task.Yield();

        Assert.False(third.IsCompleted);
        Assert.True(other.IsCompletedSuccessfully);
        Assert.True(gate.TryTake(out _, out var first));
        Assert.Equal(1, first.Sequence);
        Assert.True(await third.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_repeated_batch_is_dropped_and_a_missing_one_is_an_error()
    {
        var gate = new InputGate(channelCount: 1, capacity: 4);
        await gate.EnqueueAsync(0, Batch(1), default);

        Assert.False(await gate.EnqueueAsync(0, Batch(1), default));
        var gap = await Assert.ThrowsAsync<ChannelSequenceException>(() => gate.EnqueueAsync(0, Batch(3), default));
        Assert.Contains("expected batch 2 but received batch 3", gap.Message);
    }

    [Fact]
    public void The_gate_watermark_is_the_minimum_over_channels_that_have_not_ended()
    {
        var gate = new InputGate(channelCount: 3, capacity: 1);
        gate.SetWatermark(0, 100);
        gate.SetWatermark(1, 50);
        Assert.Equal(long.MinValue, gate.MinWatermark); // channel 2 has said nothing yet

        gate.SetWatermark(2, 70);
        Assert.Equal(50, gate.MinWatermark);

        gate.SetWatermark(1, 20); // watermarks never go back
        gate.MarkEnded(1);
        Assert.Equal(70, gate.MinWatermark);
        gate.MarkEnded(0);
        gate.MarkEnded(2);
        Assert.True(gate.AllEnded);
        Assert.Equal(long.MaxValue, gate.MinWatermark);
    }

    private static ChannelBatch<int> Batch(long sequence, int sender = 0) =>
        new() { Generation = 1, SenderVertex = 0, SenderPartition = sender, Sequence = sequence, Records = [] };
}
