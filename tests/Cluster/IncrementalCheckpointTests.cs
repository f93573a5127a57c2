using System.Globalization;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;
using static OrleansCheckpoint.Tests.Cluster.CheckpointTests;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Incremental checkpoints against Azurite: a checkpoint writes what changed, not the whole state; a restore from a
/// chain of pieces yields exactly the state the pushed events make; retention keeps every piece a retained checkpoint
/// names and deletes the rest; chains stay within ConsolidateAfter; snapshots of the previous format still restore.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IncrementalCheckpointTests(ClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Keys = 100_000;

    [Fact]
    public async Task With_100K_keys_of_which_few_change_a_checkpoint_writes_a_small_part_of_the_state_and_a_restore_from_the_chain_is_exact()
    {
        const string job = "wide-state";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 3 });
        var pushed = new List<long>(Enumerable.Range(0, Keys).Select(i => (long)i));
        await driver.PushAsync(pushed.Select(Line));
        var first = await CheckpointByHandAsync(driver);
        var full = (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == first);
        output.WriteLine($"checkpoint {first} (all {Keys:N0} keys new): wrote {full.SizeBytes:N0} of {full.FullSizeBytes:N0} bytes");

        var random = new Random(10);
        long last = first;
        for (var round = 0; round < 3; round++)
        {
            var changes = Enumerable.Range(0, 300).Select(_ => (long)random.Next(Keys)).ToList();
            pushed.AddRange(changes);
            await driver.PushAsync(changes.Select(Line));
            last = await CheckpointByHandAsync(driver);
            var stats = (await driver.Coordinator.GetCheckpointsAsync()).Single(c => c.Id == last);
            output.WriteLine($"checkpoint {last}: wrote {stats.SizeBytes:N0} of {stats.FullSizeBytes:N0} bytes ({100.0 * stats.SizeBytes / stats.FullSizeBytes:0.00} %)");
            Assert.True(stats.SizeBytes < stats.FullSizeBytes / 10, $"checkpoint {last} wrote {stats.SizeBytes} bytes of a {stats.FullSizeBytes}-byte state");
            // The full piece and a piece per round (fewer if a completion notice came after the next snapshot).
            Assert.All(stats.Instances.Where(h => h.Task.Operator == "counts"), h => Assert.InRange(h.Pieces!.Count, 2, round + 2));
        }

        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/counts/1"));
        var recovered = await RequestCounterRun.RecoveredAsync(driver);
        Assert.Equal(last, recovered.RestoredCheckpoint);
        await AssertCountsAsync(driver, pushed, random);
    }

    [Fact]
    public async Task Retention_keeps_every_piece_a_retained_checkpoint_names_deletes_the_others_and_chains_stay_within_ConsolidateAfter()
    {
        const string job = "wide-retention";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Retained = 2, ConsolidateAfter = 3 });
        var pushed = new List<long>(Enumerable.Range(0, 5_000).Select(i => (long)i));
        await driver.PushAsync(pushed.Select(Line));
        var random = new Random(11);
        var sawConsolidation = false;
        for (var round = 0; round < 8; round++)
        {
            var changes = Enumerable.Range(0, 50).Select(_ => (long)random.Next(5_000)).ToList();
            pushed.AddRange(changes);
            await driver.PushAsync(changes.Select(Line));
            var id = await CheckpointByHandAsync(driver);
            var all = await driver.Coordinator.GetCheckpointsAsync();
            var stats = all.Single(c => c.Id == id);
            Assert.All(stats.Instances, h => Assert.InRange(h.Pieces?.Count ?? 0, 0, 3));
            sawConsolidation |= round > 0 && stats.Instances.Any(h => h.Pieces is [{ Full: true } only] && only.CheckpointId == id);

            // Exactly the pieces the two retained checkpoints name are stored (the evicted ones' others are deleted).
            var retained = all.Where(c => c.Status == CheckpointStatus.Completed).OrderByDescending(c => c.Id).Take(2).ToList();
            var referenced = retained.SelectMany(c => c.Instances).SelectMany(h => h.Pieces!.Select(p => (h.Task.GrainKey, p.Name))).ToHashSet();
            await Eventually.TrueAsync(
                async () =>
                {
                    var stored = PiecesOf(await fixture.CheckpointBlobsAsync(), job);
                    return stored.Count == referenced.Count && referenced.All(r => stored.Any(b => b.Contains($"/{r.GrainKey}.", StringComparison.Ordinal) && b.Contains(r.Name, StringComparison.Ordinal)));
                },
                $"the stored pieces of {job} to be those its retained checkpoints {string.Join(", ", retained.Select(c => c.Id))} name");
        }

        Assert.True(sawConsolidation, "a chain was consolidated into a full piece");
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/counts/0"));
        await RequestCounterRun.RecoveredAsync(driver);
        await AssertCountsAsync(driver, pushed, random);
    }

    [Fact]
    public async Task A_job_whose_checkpoints_are_whole_snapshots_of_the_previous_format_restores_from_them()
    {
        const string job = "wide-whole";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(2, new CheckpointSettings { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(1), Incremental = false });
        var pushed = new List<long>(Enumerable.Range(0, 2_000).Select(i => (long)(i % 700)));
        await driver.PushAsync(pushed.Select(Line));
        var id = await CheckpointByHandAsync(driver);

        // Written the old way: one OCSNAP1 blob per instance (a serialized TaskSnapshot), no pieces.
        var blob = await fixture.SnapshotBlobAsync(job, $"{job}/counts/0", id);
        Assert.StartsWith("OCSNAP1\n", (await blob.DownloadContentAsync()).Value.Content.ToString()[..8], StringComparison.Ordinal);
        Assert.Empty(PiecesOf(await fixture.CheckpointBlobsAsync(), job));

        var more = Enumerable.Range(0, 500).Select(i => (long)(i * 3 % 700)).ToList();
        pushed.AddRange(more);
        await driver.PushAsync(more.Select(Line));
        await fixture.Cluster.DeactivateAsync(fixture.Client.GetGrain<IOperatorGrain>($"{job}/counts/0"));
        var recovered = await RequestCounterRun.RecoveredAsync(driver);
        Assert.Equal(id, recovered.RestoredCheckpoint);
        await AssertCountsAsync(driver, pushed, new Random(12));
    }

    [Fact]
    public async Task A_corrupt_or_missing_piece_is_reported_naming_the_piece_and_the_instance()
    {
        var store = fixture.SiloService<SnapshotStore>();
        var task = new TaskId("piece-test", "op", 2);
        var piece = await store.WritePieceAsync(task, 7, [1, 2, 3, 4, 5], full: true);
        Assert.Equal([1, 2, 3, 4, 5], await store.ReadPieceAsync(task, piece));

        var blob = await fixture.SnapshotBlobAsync("piece-test", task.GrainKey, 7, SnapshotStore.PieceStateName(7));
        var stored = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal("OCPIEC1\n"u8.ToArray(), stored[..8]);
        stored[^1] ^= 0xFF;
        await blob.UploadAsync(BinaryData.FromBytes(stored), overwrite: true);
        var corrupt = await Assert.ThrowsAsync<CorruptSnapshotException>(() => store.ReadPieceAsync(task, piece));
        Assert.StartsWith("piece piece-0000000007 of piece-test/op/2 (written by checkpoint 7) is corrupt: checksum", corrupt.Message);

        await store.DeletePieceAsync(task, piece.Name);
        var missing = await Assert.ThrowsAsync<CorruptSnapshotException>(() => store.ReadPieceAsync(task, piece));
        Assert.Equal("piece piece-0000000007 of piece-test/op/2 (written by checkpoint 7) is missing.", missing.Message);
    }

    private static string Line(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static List<string> PiecesOf(IEnumerable<string> blobs, string job) =>
        [.. blobs.Where(b => b.Contains($"/{job}/", StringComparison.Ordinal) && b.Contains("piece-", StringComparison.Ordinal))];

    /// <summary>The live counts of every key pushed more than once, and of a sample of the others, equal the pushed events' counts.</summary>
    private static async Task AssertCountsAsync(JobDriver driver, List<long> pushed, Random random)
    {
        var oracle = pushed.GroupBy(n => n).ToDictionary(g => g.Key, g => (long)g.Count());
        var keys = oracle.Where(e => e.Value > 1).Select(e => e.Key).Concat(Enumerable.Range(0, 300).Select(_ => oracle.Keys.ElementAt(random.Next(oracle.Count)))).Distinct();
        foreach (var key in keys)
        {
            var result = await driver.Manager.QueryAsync(Line(key), live: true);
            Assert.True(oracle[key].ToString(CultureInfo.InvariantCulture) == result.ValueJson, $"key {key}: expected {oracle[key]}, got {result.ValueJson}");
        }
    }
}
