using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Checkpointing;
using OrleansCheckpoint.Runtime.Hosting;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// The snapshot store over Orleans' memory grain storage (<c>OrleansCheckpoint:Storage:Kind = Memory</c>, for unit
/// tests), in a one-silo in-process cluster of its own: no Azurite.
/// </summary>
public sealed class MemorySnapshotStoreTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    private SnapshotStore Store => _cluster.Silos[0].ServiceProvider.GetRequiredService<SnapshotStore>();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddOrleansCheckpoint(o => o.Storage.Kind = StorageKind.Memory));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_snapshot_reads_back_as_written_under_a_name_with_its_checkpoint_and_once_deleted_is_missing()
    {
        var task = new TaskId("memory-test", "op", 0);
        var (payload, checksum) = Store.Serialize(new TaskSnapshot(task, 12, [new OperatorSnapshot("op", new Dictionary<string, long> { ["a"] = 1, ["b"] = 2 })]));

        var name = await Store.WriteAsync(task, 12, payload, checksum);
        var handle = new SnapshotHandle(task, 12, name, payload.Length, checksum, 0, 0, 0);
        var read = await Store.ReadAsync(handle);

        Assert.Contains("12", name, StringComparison.Ordinal);
        Assert.Equal((task, 12L), (read.Task, read.CheckpointId));
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 2 }, read.Operators.Single().State);
        var corrupt = await Assert.ThrowsAsync<CorruptSnapshotException>(() => Store.ReadAsync(handle with { Checksum = "0000000000000000" }));
        Assert.Contains("is corrupt: checksum", corrupt.Message);

        await Store.DeleteAsync(task, 12);
        var missing = await Assert.ThrowsAsync<CorruptSnapshotException>(() => Store.ReadAsync(handle));
        Assert.Contains("is missing", missing.Message);
    }

    [Fact]
    public async Task A_second_write_of_the_same_checkpoint_of_an_instance_fails_and_the_first_stays()
    {
        var task = new TaskId("memory-test", "op", 1);
        var first = Store.Serialize(new TaskSnapshot(task, 3, [new OperatorSnapshot("op", 1L)]));
        var second = Store.Serialize(new TaskSnapshot(task, 3, [new OperatorSnapshot("op", 2L)]));
        var name = await Store.WriteAsync(task, 3, first.Payload, first.Checksum);

        await Assert.ThrowsAsync<Orleans.Storage.InconsistentStateException>(() => Store.WriteAsync(task, 3, second.Payload, second.Checksum));

        Assert.Equal(1L, (await Store.ReadAsync(new SnapshotHandle(task, 3, name, 0, first.Checksum, 0, 0, 0))).Operators.Single().State);
    }

    [Fact]
    public async Task A_manifest_reads_back_as_written_and_is_gone_once_deleted()
    {
        var handle = new SnapshotHandle(new TaskId("memory-test", "op", 0), 4, SnapshotStore.SnapshotStateName(4), 10, "0123456789abcdef", 1, 2, 3);
        var name = await Store.WriteManifestAsync(new CheckpointManifest { Job = "memory-test", CheckpointId = 4, Generation = 2, Snapshots = [handle] });

        var manifest = await Store.ReadManifestAsync("memory-test", 4);

        Assert.Equal((4L, 2L), (manifest!.CheckpointId, manifest.Generation));
        Assert.Equal([handle], manifest.Snapshots);
        await Store.DeleteManifestAsync("memory-test", name);
        Assert.Null(await Store.ReadManifestAsync("memory-test", 4));
    }
}
