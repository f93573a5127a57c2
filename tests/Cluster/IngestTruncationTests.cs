using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Infrastructure.RequestCounterRun;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>The ingest log in Azurite keeps what a retained checkpoint needs, and only that.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IngestTruncationTests(ClusterFixture fixture)
{

    [Fact]
    public async Task Segments_before_the_oldest_retained_checkpoint_are_deleted_and_a_restore_from_that_checkpoint_replays_the_rest_exactly()
    {
        const string job = "ingest-truncate";
        const int parallelism = 2;
        const int chunk = 2_000; // four pushes of 500: each source partition gets 1,000 events per chunk
        var settings = new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 3 };
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism, settings);
        var (requests, lines) = Stream(seed: 83, count: 16_000);

        // Six checkpoints, each after a chunk is acknowledged: the barrier follows every acknowledged event, so a
        // partition's offset at the k-th is k × 1,000.
        var offsets = new List<(long Checkpoint, long Offset)>();
        for (var k = 1; k <= 6; k++)
        {
            await driver.PushAsync(lines.Skip((k - 1) * chunk).Take(chunk), retryFor: RetryFor);
            var id = await Eventually.ValueAsync(() => driver.Coordinator.TriggerCheckpointAsync(), id => id is not null, "a checkpoint to start");
            await CompletedCheckpointAsync(driver, after: id!.Value - 1);
            offsets.Add((id.Value, k * chunk / parallelism));
        }

        var (oldestRetained, oldestOffset) = offsets[^settings.Retained];
        for (var p = 0; p < parallelism; p++)
        {
            var partition = p;
            var starts = await Eventually.ValueAsync(
                () => SegmentStartsAsync(job, partition),
                s => s.Count > 1 && s[1] >= oldestOffset,
                $"partition {partition}'s segments before offset {oldestOffset} to be deleted");
            Assert.InRange(starts[0], 1, oldestOffset); // the segment that holds (or ends at) the oldest retained offset stays …
            Assert.Equal(6 * chunk / parallelism, starts[^1] + 500); // … and every one after it, up to the log's end
        }

        // Make the two newer checkpoints unreadable (a source's snapshot of each is gone): the rollback falls back to
        // the oldest retained one and replays the log from its offset, which must all still be there.
        foreach (var (id, _) in offsets.TakeLast(settings.Retained - 1))
        {
            await (await fixture.SnapshotBlobAsync(job, $"{job}/requests/0", id)).DeleteAsync();
        }

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/endpoint-totals/1"));
        var info = await RecoveredAsync(driver);
        Assert.Equal(oldestRetained, info.RestoredCheckpoint);
        await driver.PushAsync(lines.Skip(6 * chunk), retryFor: RetryFor);

        // The result table already holds the values of the two newer checkpoints and ignores a commit numbered below
        // them; the drain's final commit is numbered above every id the job used, so the totals converge without
        // another checkpoint. (A fall-back past committed checkpoints publishes their windows again, under new ids,
        // on the results stream — as Flink's transactional sinks would repeat them — so windows are not compared.)
        await AssertOutputEqualsOracleAsync(driver, requests, windows: false);
    }

    private async Task<List<long>> SegmentStartsAsync(string job, int partition)
    {
        var prefix = $"{job}/requests/{partition}/";
        var starts = new List<long>();
        await foreach (var blob in fixture.Container(fixture.IngestContainer).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, CancellationToken.None))
        {
            starts.Add(long.Parse(blob.Name[prefix.Length..^".seg".Length], System.Globalization.CultureInfo.InvariantCulture));
        }

        starts.Sort();
        return starts;
    }
}
