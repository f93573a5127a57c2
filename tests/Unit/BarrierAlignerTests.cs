using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

public sealed class BarrierAlignerTests
{
    [Fact]
    public void Exactly_once_holds_back_each_channel_that_delivered_the_barrier_until_all_did()
    {
        var aligner = new BarrierAligner(channelCount: 3);

        Assert.Equal(AlignmentOutcome.Waiting, aligner.OnBarrier(0, Barrier(1)));
        Assert.True(aligner.IsBlocked(0));
        Assert.False(aligner.IsBlocked(1));
        Assert.Equal(AlignmentOutcome.Waiting, aligner.OnBarrier(2, Barrier(1)));
        Assert.True(aligner.IsBlocked(2));
        Assert.Equal(AlignmentOutcome.Aligned, aligner.OnBarrier(1, Barrier(1)));

        Assert.All(Enumerable.Range(0, 3), c => Assert.False(aligner.IsBlocked(c)));
        Assert.Null(aligner.Current);
    }

    [Fact]
    public void At_least_once_never_holds_a_channel_back_but_still_waits_for_every_barrier()
    {
        var aligner = new BarrierAligner(channelCount: 2);

        Assert.Equal(AlignmentOutcome.Waiting, aligner.OnBarrier(0, Barrier(1, CheckpointMode.AtLeastOnce)));
        Assert.False(aligner.IsBlocked(0));
        Assert.Equal(AlignmentOutcome.Aligned, aligner.OnBarrier(1, Barrier(1, CheckpointMode.AtLeastOnce)));
    }

    [Fact]
    public void A_newer_barrier_cancels_the_alignment_in_progress_and_the_older_barrier_is_then_stale()
    {
        var aligner = new BarrierAligner(channelCount: 2);
        aligner.OnBarrier(0, Barrier(1));

        Assert.Equal(AlignmentOutcome.Waiting, aligner.OnBarrier(1, Barrier(2)));
        Assert.Equal(1, aligner.Cancelled);
        Assert.False(aligner.IsBlocked(0)); // released: it owes barrier 2 now
        Assert.True(aligner.IsBlocked(1));
        Assert.Equal(AlignmentOutcome.Stale, aligner.OnBarrier(0, Barrier(1)));
        Assert.Equal(AlignmentOutcome.Aligned, aligner.OnBarrier(0, Barrier(2)));
    }

    [Fact]
    public void An_abort_releases_the_held_channels_and_later_barriers_of_that_checkpoint_are_ignored()
    {
        var aligner = new BarrierAligner(channelCount: 2);
        aligner.OnBarrier(0, Barrier(3));

        Assert.True(aligner.Abort(3));

        Assert.False(aligner.IsBlocked(0));
        Assert.Equal(AlignmentOutcome.Stale, aligner.OnBarrier(1, Barrier(3)));
        Assert.Equal(AlignmentOutcome.Waiting, aligner.OnBarrier(1, Barrier(4)));
    }

    [Fact]
    public void A_channel_that_ended_owes_no_barrier()
    {
        var aligner = new BarrierAligner(channelCount: 2);
        aligner.OnBarrier(0, Barrier(5));

        Assert.Equal(AlignmentOutcome.Aligned, aligner.OnChannelEnded(1));

        var ended = new BarrierAligner(channelCount: 2);
        ended.OnChannelEnded(1);
        Assert.Equal(AlignmentOutcome.Aligned, ended.OnBarrier(0, Barrier(6))); // ended before the barrier came
    }

    private static CheckpointBarrier Barrier(long id, CheckpointMode mode = CheckpointMode.ExactlyOnce) => new(id, 0, mode);
}
