using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>Wraps a partition's segment store (a seam for fault-injection tests; none is registered in production).</summary>
internal delegate ISegmentStore SegmentStoreInterceptor(TaskId partition, ISegmentStore inner);

/// <summary>Opens the ingest log of a source partition in the configured storage.</summary>
internal sealed class IngestLogFactory(IOptions<OrleansCheckpointOptions> options, Serializer serializer, SegmentStoreInterceptor? interceptor = null)
{
    private readonly ConcurrentDictionary<string, MemorySegmentStore> _memory = new();
    private readonly Lazy<Azure.Storage.Blobs.BlobContainerClient> _container = new(() =>
        StorageConnection.CreateBlobServiceClient(options.Value.Storage.ConnectionString).GetBlobContainerClient(options.Value.Storage.IngestContainer));

    public IngestLog Create(TaskId partition)
    {
        ISegmentStore segments = options.Value.Storage.Kind == StorageKind.Memory
            ? _memory.GetOrAdd(partition.GrainKey, _ => new MemorySegmentStore())
            : new BlobSegmentStore(_container.Value, partition);
        return new IngestLog(interceptor?.Invoke(partition, segments) ?? segments, serializer, $"the ingest log of {partition}");
    }
}
