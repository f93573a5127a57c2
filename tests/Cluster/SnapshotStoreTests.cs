using Azure.Storage.Blobs;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>The snapshot store against Azurite: checksums catch corruption, and nothing is overwritten.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SnapshotStoreTests(ClusterFixture fixture)
{
    private SnapshotStore Store => fixture.SiloService<SnapshotStore>();

    [Fact]
    public async Task A_snapshot_reads_back_as_written_and_a_corrupted_or_missing_one_is_reported_not_returned()
    {
        var task = new TaskId("store-test", "op", 0);
        var (payload, checksum) = Store.Serialize(new TaskSnapshot(task, 7, [new OperatorSnapshot("op", 42L)]));
        var name = await Store.WriteAsync(task, 7, payload, checksum);
        var handle = new SnapshotHandle(task, 7, name, payload.Length, checksum, 0, 0, 0);
        Assert.Equal(42L, (await Store.ReadAsync(handle)).Operators.Single().State);

        // Stored raw behind a header: magic, then the checksum, then the payload as serialized (no base64, no JSON).
        var blob = await BlobOfAsync("/store-test/op/0", name);
        var stored = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal([.. "OCSNAP1\n"u8, .. System.Text.Encoding.ASCII.GetBytes(checksum), .. payload], stored);
        stored[^1] ^= 0xFF;
        await blob.UploadAsync(BinaryData.FromBytes(stored), overwrite: true);
        var corrupt = await Assert.ThrowsAsync<CorruptSnapshotException>(() => Store.ReadAsync(handle));
        Assert.Contains("is corrupt: checksum", corrupt.Message);

        await Store.DeleteAsync(task, 7);
        var missing = await Assert.ThrowsAsync<CorruptSnapshotException>(() => Store.ReadAsync(handle));
        Assert.Contains("is missing", missing.Message);
    }

    [Fact]
    public async Task A_snapshot_stored_as_json_by_an_earlier_version_still_reads_and_manifests_stay_json()
    {
        var task = new TaskId("store-test", "op", 2);
        var (payload, checksum) = Store.Serialize(new TaskSnapshot(task, 5, [new OperatorSnapshot("op", 99L)]));
        var name = await Store.WriteAsync(task, 5, payload, checksum);
        var blob = await BlobOfAsync("/store-test/op/2", name);
        var json = fixture.SiloService<Orleans.Storage.IGrainStorageSerializer>().Serialize(new StoredSnapshot { Payload = payload, Checksum = checksum });
        Assert.StartsWith("{", json.ToString());
        await blob.UploadAsync(json, overwrite: true);

        Assert.Equal(99L, (await Store.ReadAsync(new SnapshotHandle(task, 5, name, payload.Length, checksum, 0, 0, 0))).Operators.Single().State);

        var manifest = await Store.WriteManifestAsync(new CheckpointManifest { Job = "store-test-json", CheckpointId = 5 });
        var manifestText = (await (await BlobOfAsync("store-test-json", manifest)).DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("\"CheckpointId\"", manifestText); // human-readable
    }

    [Fact]
    public async Task A_second_write_of_the_same_checkpoint_of_an_instance_fails_instead_of_overwriting_the_first()
    {
        var task = new TaskId("store-test", "op", 1);
        var first = Store.Serialize(new TaskSnapshot(task, 3, [new OperatorSnapshot("op", 1L)]));
        var second = Store.Serialize(new TaskSnapshot(task, 3, [new OperatorSnapshot("op", 2L)]));
        var name = await Store.WriteAsync(task, 3, first.Payload, first.Checksum);

        await Assert.ThrowsAsync<Orleans.Storage.InconsistentStateException>(() => Store.WriteAsync(task, 3, second.Payload, second.Checksum));

        Assert.Equal(1L, (await Store.ReadAsync(new SnapshotHandle(task, 3, name, 0, first.Checksum, 0, 0, 0))).Operators.Single().State);
    }

    private async Task<BlobClient> BlobOfAsync(string key, string stateName)
    {
        var blobs = await fixture.CheckpointBlobsAsync();
        var blobName = blobs.Single(b => b.Contains(key) && b.Contains(stateName));
        return new BlobServiceClient(fixture.ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06))
            .GetBlobContainerClient(fixture.CheckpointsContainer).GetBlobClient(blobName);
    }
}
