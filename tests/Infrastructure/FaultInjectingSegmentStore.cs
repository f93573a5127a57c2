using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Ingest;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// Wraps a source partition's ingest-log segment store so a test can make segment writes fail: either before
/// the segment is written (a refused write) or after it was written (a lost answer: the segment is durable but
/// the source is told it failed).
/// </summary>
public static class FaultInjectingSegmentStore
{
    private static Fault? _fault;

    internal static SegmentStoreInterceptor Interceptor { get; } = (partition, inner) => new Store(partition, inner);

    /// <summary>Fails the next <paramref name="count"/> segment writes of partitions that match, until the scope is disposed.</summary>
    public static IDisposable FailWrites(Func<TaskId, bool> match, bool afterWriting, int count = 1)
    {
        var fault = new Fault(match, afterWriting) { Remaining = count };
        _fault = fault;
        return new Scope(fault);
    }

    /// <summary>How many writes the current fault failed.</summary>
    public static int Failed => _fault?.Failed ?? 0;

    private sealed record Fault(Func<TaskId, bool> Match, bool AfterWriting)
    {
        public int Remaining;

        public int Failed;
    }

    private sealed class Scope(Fault fault) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref _fault, null, fault);
    }

    private sealed class Store(TaskId partition, ISegmentStore inner) : ISegmentStore
    {
        public Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation) => inner.ListAsync(cancellation);

        public async Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation)
        {
            var fault = _fault;
            var fail = fault is not null && fault.Match(partition) && Interlocked.Decrement(ref fault.Remaining) >= 0;
            if (fail && !fault!.AfterWriting)
            {
                Interlocked.Increment(ref fault.Failed);
                throw new IOException($"injected failure before writing segment {startOffset} of {partition}");
            }

            var etag = await inner.WriteAsync(startOffset, content, replacing, cancellation);
            if (fail)
            {
                Interlocked.Increment(ref fault!.Failed);
                throw new IOException($"injected failure after writing segment {startOffset} of {partition} (the answer was lost)");
            }

            return etag;
        }

        public Task<string> ClaimAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation) =>
            inner.ClaimAsync(startOffset, content, replacing, cancellation);

        public Task<StoredSegment> ReadAsync(long startOffset, CancellationToken cancellation) => inner.ReadAsync(startOffset, cancellation);

        public Task DeleteAsync(long startOffset, CancellationToken cancellation) => inner.DeleteAsync(startOffset, cancellation);
    }
}
