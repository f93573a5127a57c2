using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>Segments as block blobs <c>{job}/{source}/{partition}/{offset:D19}.seg</c>, written with If-None-Match: * or If-Match: the claim's ETag.</summary>
internal sealed class BlobSegmentStore(BlobContainerClient container, TaskId partition) : ISegmentStore
{
    private readonly string _prefix = $"{partition.Job}/{partition.Operator}/{partition.Partition}/";

    public async Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation)
    {
        var starts = new List<long>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, _prefix, cancellation))
        {
            starts.Add(long.Parse(blob.Name[_prefix.Length..^4], System.Globalization.CultureInfo.InvariantCulture));
        }

        starts.Sort();
        return starts;
    }

    public async Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation)
    {
        var conditions = replacing is null ? new BlobRequestConditions { IfNoneMatch = ETag.All } : new BlobRequestConditions { IfMatch = new ETag(replacing) };
        var written = await Blob(startOffset).UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions { Conditions = conditions }, cancellation);
        return written.Value.ETag.ToString();
    }

    public Task<string> ClaimAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation) =>
        WriteAsync(startOffset, content, replacing, cancellation);

    public async Task<StoredSegment> ReadAsync(long startOffset, CancellationToken cancellation)
    {
        var download = (await Blob(startOffset).DownloadContentAsync(cancellation)).Value;
        return new StoredSegment(download.Content.ToArray(), download.Details.ETag.ToString());
    }

    public Task DeleteAsync(long startOffset, CancellationToken cancellation) =>
        Blob(startOffset).DeleteIfExistsAsync(cancellationToken: cancellation);

    private BlobClient Blob(long startOffset) => container.GetBlobClient($"{_prefix}{startOffset:D19}.seg");
}
