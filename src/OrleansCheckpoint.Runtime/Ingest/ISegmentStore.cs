namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>A stored segment's bytes and the version (ETag) a conditional write over it names.</summary>
internal sealed record StoredSegment(byte[] Content, string ETag);

/// <summary>
/// Where segments are kept: blob storage, or memory for unit tests. Every write is conditional: it creates a segment that
/// does not exist yet, or replaces the claim whose version it names; a write that loses fails (409 / 412), never overwrites.
/// </summary>
internal interface ISegmentStore
{
    /// <summary>The start offsets of the stored segments, ascending.</summary>
    Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation);

    /// <summary>
    /// Writes the segment at <paramref name="startOffset"/>: create-only when <paramref name="replacing"/> is null, else
    /// only over the stored version <paramref name="replacing"/>. Returns the new version.
    /// </summary>
    Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation);

    /// <summary>Writes a claim (an empty segment) the same way: a separate call, so that stores wrapped by tests can tell it from a push's segment.</summary>
    Task<string> ClaimAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation);

    Task<StoredSegment> ReadAsync(long startOffset, CancellationToken cancellation);

    Task DeleteAsync(long startOffset, CancellationToken cancellation);
}
