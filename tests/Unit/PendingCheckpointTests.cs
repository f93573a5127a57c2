using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>A pending checkpoint's answers to acknowledgements (Flink's SUCCESS / DUPLICATE / UNKNOWN / DISCARDED).</summary>
public sealed class PendingCheckpointTests
{
    private static readonly TaskId Source = new("job", "src", 0);
    private static readonly TaskId Sink = new("job", "sink", 0);

    [Fact]
    public void An_instance_that_is_not_part_of_the_checkpoint_is_unknown_and_neither_counted_nor_kept()
    {
        var pending = new PendingCheckpoint(7, 1, DateTimeOffset.UnixEpoch, [Source, Sink]);

        Assert.Equal(AcknowledgeResult.Unknown, pending.Acknowledge(Handle(new TaskId("job", "sink", 1), 7)));
        Assert.Equal(AcknowledgeResult.Unknown, pending.Acknowledge(Handle(new TaskId("other-job", "src", 0), 7)));

        Assert.Empty(pending.Handles);
        Assert.Equal(2, pending.Total);
        Assert.False(pending.IsFullyAcknowledged);
    }

    [Fact]
    public void Each_instance_counts_once_and_after_a_discard_nothing_counts()
    {
        var pending = new PendingCheckpoint(7, 1, DateTimeOffset.UnixEpoch, [Source, Sink]);

        Assert.Equal(AcknowledgeResult.Success, pending.Acknowledge(Handle(Source, 7)));
        Assert.Equal(AcknowledgeResult.Duplicate, pending.Acknowledge(Handle(Source, 7)));
        pending.Discard();

        Assert.Equal(AcknowledgeResult.Discarded, pending.Acknowledge(Handle(Sink, 7)));
        Assert.Equal([Source], pending.Handles.Select(h => h.Task));
        Assert.False(pending.IsFullyAcknowledged);
    }

    private static SnapshotHandle Handle(TaskId task, long id) => new(task, id, SnapshotStore.SnapshotStateName(id), 10, "0123456789abcdef", 0, 0, 0);
}
