using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>Segments in memory, shared by the silo, with the conditions of blob storage: for unit tests only (lost with the silo).</summary>
internal sealed class MemorySegmentStore : ISegmentStore
{
    private readonly SortedDictionary<long, StoredSegment> _segments = [];
    private long _versions;

    public Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation)
    {
        lock (_segments)
        {
            return Task.FromResult<IReadOnlyList<long>>([.. _segments.Keys]);
        }
    }

    public Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation)
    {
        lock (_segments)
        {
            var exists = _segments.TryGetValue(startOffset, out var stored);
            if (replacing is null && exists)
            {
                throw new RequestFailedException(409, "exists", BlobErrorCode.BlobAlreadyExists.ToString(), null);
            }

            if (replacing is not null && stored?.ETag != replacing)
            {
                throw new RequestFailedException(412, "changed", BlobErrorCode.ConditionNotMet.ToString(), null);
            }

            var etag = (++_versions).ToString(CultureInfo.InvariantCulture);
            _segments[startOffset] = new StoredSegment(content, etag);
            return Task.FromResult(etag);
        }
    }

    public Task<string> ClaimAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation) =>
        WriteAsync(startOffset, content, replacing, cancellation);

    public Task<StoredSegment> ReadAsync(long startOffset, CancellationToken cancellation)
    {
        lock (_segments)
        {
            return Task.FromResult(_segments[startOffset]);
        }
    }

    public Task DeleteAsync(long startOffset, CancellationToken cancellation)
    {
        lock (_segments)
        {
            _segments.Remove(startOffset);
        }

        return Task.CompletedTask;
    }
}
