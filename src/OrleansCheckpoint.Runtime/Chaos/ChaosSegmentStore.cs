using OrleansCheckpoint.Runtime.Ingest;

namespace OrleansCheckpoint.Runtime.Chaos;

/// <summary>An ingest-log segment store whose segment writes fail when <see cref="StorageFaults"/> says so.</summary>
internal sealed class ChaosSegmentStore(ISegmentStore inner, StorageFaults faults, string partition) : ISegmentStore
{
    public Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation) => inner.ListAsync(cancellation);

    public Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation)
    {
        faults.ThrowIfFailing(StorageFaultKind.Ingest, $"segment {startOffset} of {partition}");
        return inner.WriteAsync(startOffset, content, replacing, cancellation);
    }

    public Task<string> ClaimAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation) =>
        inner.ClaimAsync(startOffset, content, replacing, cancellation);

    public Task<StoredSegment> ReadAsync(long startOffset, CancellationToken cancellation) => inner.ReadAsync(startOffset, cancellation);

    public Task DeleteAsync(long startOffset, CancellationToken cancellation) => inner.DeleteAsync(startOffset, cancellation);
}
