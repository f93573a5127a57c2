using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>Dead letters as blobs of the silo's storage account, created with If-None-Match: * (containers created as needed).</summary>
internal sealed class BlobDeadLetterStore(BlobServiceClient blobs) : IDeadLetterStore
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _containers = new();

    public async Task<bool> CreateAsync(string container, string name, BinaryData content, CancellationToken cancellation)
    {
        var client = blobs.GetBlobContainerClient(container);
        var created = _containers.GetOrAdd(container, _ => new Lazy<Task>(() => client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None)));
        try
        {
            await created.Value.WaitAsync(cancellation);
        }
        catch (RequestFailedException)
        {
            _containers.TryRemove(container, out _); // ask again next time
            throw;
        }

        try
        {
            await client.GetBlobClient(name).UploadAsync(content, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellation);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409 || e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            return false;
        }
    }
}
