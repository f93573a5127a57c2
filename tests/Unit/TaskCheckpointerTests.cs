using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Channels;
using OrleansCheckpoint.Runtime.Checkpointing;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>What an instance tells the coordinator when barriers overtake each other.</summary>
public sealed class TaskCheckpointerTests
{
    [Fact]
    public void A_newer_barrier_overtaking_an_unfinished_alignment_declines_the_older_checkpoint_as_superseded()
    {
        var responder = new RecordingResponder();
        var checkpointer = new TaskCheckpointer(
            new TaskId("job", "counts", 0), chain: [], writers: [], new InputGate(channelCount: 2, capacity: 4), () => long.MinValue, store: null!, responder); // nothing is snapshotted here

        checkpointer.OnBarrier(0, new CheckpointBarrier(1, 0, CheckpointMode.AtLeastOnce));
        checkpointer.OnBarrier(0, new CheckpointBarrier(2, 0, CheckpointMode.AtLeastOnce)); // channel 1 never delivered barrier 1

        var decline = Assert.Single(responder.Declines);
        Assert.Equal((1L, true), (decline.CheckpointId, decline.Superseded));
        Assert.Contains("superseded by checkpoint 2", decline.Reason);
    }

    private sealed class RecordingResponder : ICheckpointResponder
    {
        public List<(long CheckpointId, string Reason, bool Superseded)> Declines { get; } = [];

        public Task AcknowledgeAsync(SnapshotHandle handle) => throw new InvalidOperationException("no snapshot is taken in these tests");

        public Task DeclineAsync(long checkpointId, string reason, bool superseded)
        {
            Declines.Add((checkpointId, reason, superseded));
            return Task.CompletedTask;
        }
    }
}
