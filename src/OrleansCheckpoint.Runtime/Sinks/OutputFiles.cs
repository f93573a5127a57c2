using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>Where file sinks commit part files: create-only, so committing the same part twice is harmless.</summary>
internal interface IOutputFiles
{
    /// <summary>Creates <paramref name="path"/> with <paramref name="content"/>; returns false if it already exists (committed before).</summary>
    Task<bool> CreateAsync(string path, BinaryData content, CancellationToken cancellation = default);
}

/// <summary>Part files as blobs, created with If-None-Match: *.</summary>
internal sealed class BlobOutputFiles(BlobContainerClient container) : IOutputFiles
{
    public async Task<bool> CreateAsync(string path, BinaryData content, CancellationToken cancellation = default)
    {
        try
        {
            await container.GetBlobClient(path).UploadAsync(
                content, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellation);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409 || e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            return false;
        }
    }
}

/// <summary>Part files in memory: for unit tests only.</summary>
internal sealed class MemoryOutputFiles : IOutputFiles
{
    public ConcurrentDictionary<string, BinaryData> Files { get; } = new();

    public Task<bool> CreateAsync(string path, BinaryData content, CancellationToken cancellation = default) => Task.FromResult(Files.TryAdd(path, content));
}
