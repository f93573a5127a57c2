using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>Opens the ingest log of a source partition in the configured storage.</summary>
internal sealed class IngestLogFactory(IOptions<OrleansCheckpointOptions> options, Serializer serializer)
{
    private readonly ConcurrentDictionary<string, MemorySegmentStore> _memory = new();
    private readonly Lazy<Azure.Storage.Blobs.BlobContainerClient> _container = new(() =>
        StorageConnection.CreateBlobServiceClient(options.Value.Storage.ConnectionString).GetBlobContainerClient(options.Value.Storage.IngestContainer));

    public IngestLog Create(TaskId partition)
    {
        ISegmentStore segments = options.Value.Storage.Kind == StorageKind.Memory
            ? _memory.GetOrAdd(partition.GrainKey, _ => new MemorySegmentStore())
            : new BlobSegmentStore(_container.Value, partition);
        return new IngestLog(segments, serializer);
    }
}
