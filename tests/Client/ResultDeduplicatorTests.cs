using OrleansCheckpoint.Cli.Results;
using OrleansCheckpoint.Messages;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>The results subscription's dedupe: repeats of recent batches are dropped, and its memory stays bounded.</summary>
public sealed class ResultDeduplicatorTests
{
    [Fact]
    public void A_batch_republished_after_a_recovery_is_a_repeat_and_every_chunk_and_partition_counts_apart()
    {
        var seen = new ResultDeduplicator();

        Assert.True(seen.IsFirstSeen(Batch("w", 0, 5)));
        Assert.True(seen.IsFirstSeen(Batch("w", 0, 5, chunk: 1)));
        Assert.True(seen.IsFirstSeen(Batch("w", 1, 5)));
        Assert.True(seen.IsFirstSeen(Batch("other", 0, 5)));
        Assert.True(seen.IsFirstSeen(Batch("w", 0, 5, final: true)));
        Assert.False(seen.IsFirstSeen(Batch("w", 0, 5)));
        Assert.False(seen.IsFirstSeen(Batch("w", 0, 5, chunk: 1)));
        Assert.True(seen.IsFirstSeen(Batch("w", 0, 6)));
    }

    [Fact]
    public void Batches_without_a_checkpoint_are_never_repeats()
    {
        var seen = new ResultDeduplicator();

        Assert.True(seen.IsFirstSeen(Batch("w", 0, 0)));
        Assert.True(seen.IsFirstSeen(Batch("w", 0, 0)));
        Assert.Equal(0, seen.RememberedCheckpoints);
    }

    [Fact]
    public void Only_the_newest_checkpoints_of_each_partition_are_remembered_and_their_repeats_still_dropped()
    {
        var seen = new ResultDeduplicator();
        const int checkpoints = 10_000;

        for (long id = 1; id <= checkpoints; id++)
        {
            foreach (var partition in new[] { 0, 1 })
            {
                Assert.True(seen.IsFirstSeen(Batch("w", partition, id)));
                Assert.True(seen.IsFirstSeen(Batch("w", partition, id, chunk: 1)));
            }

            // A recovery re-publishes what the restored checkpoint (the latest, or the one before) committed.
            Assert.False(seen.IsFirstSeen(Batch("w", 0, id)));
            Assert.False(seen.IsFirstSeen(Batch("w", 1, Math.Max(1, id - 1), chunk: 1)));
        }

        Assert.Equal(2 * ResultDeduplicator.RetainedCheckpoints, seen.RememberedCheckpoints);
        Assert.False(seen.IsFirstSeen(Batch("w", 0, checkpoints - ResultDeduplicator.RetainedCheckpoints + 1))); // the oldest remembered
        Assert.False(seen.IsFirstSeen(Batch("w", 0, 3))); // older than every remembered checkpoint: published long ago
        Assert.True(seen.IsFirstSeen(Batch("w", 0, checkpoints + 1)));
        Assert.Equal(2 * ResultDeduplicator.RetainedCheckpoints, seen.RememberedCheckpoints);
    }

    private static ResultBatch Batch(string op, int partition, long checkpointId, bool final = false, int chunk = 0) =>
        new(op, partition, ["{}"], checkpointId, final, chunk);
}
