using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Ingest;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>What the ingest tests share: a source partition's write path over a segment store, and stores that count, hold or slow writes.</summary>
internal static class IngestTestKit
{
    public static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    public static List<string> Lines(IEnumerable<PushBatch> batches) => [.. batches.SelectMany(b => b.Lines)];

    /// <summary>Runs <paramref name="body"/> and every continuation of it one at a time, as the grain's scheduler would.</summary>
    public static Task OnOneScheduler(Func<Task> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.None, new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Unwrap();
}

/// <summary>A source partition's write path over a store: the real source operator parses, the queue collects what is processed.</summary>
internal sealed class Harness
{
    private readonly CancellationTokenSource _stop = new();

    // enqueueGate: each batch waits for it before it is queued (a full queue, while it is not completed).
    public Harness(
        ISegmentStore store,
        long offset = 0,
        IReadOnlyDictionary<string, long>? known = null,
        long maxPendingBytes = 1L << 20,
        long maxSegmentBytes = 1L << 20,
        Task? enqueueGate = null,
        TimeProvider? clock = null,
        TimeSpan? producerRetention = null)
    {
        var job = new JobBuilder("ingest-test");
        Source = new SourceOperator<string>((SourceTransformation<string>)job.Source("lines", line => line).Transformation);
        Ingest = new SourceIngest(
            new IngestLog(store, IngestTestKit.Serializer, clock: clock),
            Source,
            async (batch, _) =>
            {
                await (enqueueGate ?? Task.CompletedTask);
                Source.ProcessBatch(batch); // processed as the instance's loop would
                Queued.AddRange(((ChannelBatch<string>)batch).Records.Select(r => r.Value));
            },
            maxSegmentBytes,
            maxPendingBytes,
            producerRetention);
        Running = OpenAndRunAsync(offset, known);
    }

    public SourceOperator<string> Source { get; }

    public SourceIngest Ingest { get; }

    public List<string> Queued { get; } = [];

    public Task Running { get; }

    public Task<PushResult> Push(string producer, long sequence, params string[] lines) =>
        Ingest.PushAsync(new PushBatch(producer, sequence, 1, lines), generation: 1, CancellationToken.None);

    public void Stop() => _stop.Cancel();

    private async Task OpenAndRunAsync(long offset, IReadOnlyDictionary<string, long>? known)
    {
        await Ingest.OpenAsync(offset, known, generation: 1, CancellationToken.None);
        try
        {
            await Ingest.RunAsync(generation: 1, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }
}

/// <summary>Counts segment writes.</summary>
internal class CountingStore(ISegmentStore inner) : ISegmentStore
{
    public int Writes { get; private set; }

    public Task<IReadOnlyList<long>> ListAsync(CancellationToken cancellation) => inner.ListAsync(cancellation);

    public virtual async Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation)
    {
        Writes++;
        return await inner.WriteAsync(startOffset, content, replacing, cancellation);
    }

    public Task<string> ClaimAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation) =>
        inner.ClaimAsync(startOffset, content, replacing, cancellation);

    public Task<StoredSegment> ReadAsync(long startOffset, CancellationToken cancellation) => inner.ReadAsync(startOffset, cancellation);

    public Task DeleteAsync(long startOffset, CancellationToken cancellation) => inner.DeleteAsync(startOffset, cancellation);
}

/// <summary>Holds segment writes until released: a write in progress, for as long as the test likes.</summary>
internal sealed class HeldStore(ISegmentStore inner) : CountingStore(inner)
{
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WriteStarted => _started.Task;

    public void Hold() => (_release, _started) = (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Release() => _release.TrySetResult();

    public override async Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation)
    {
        _started.TrySetResult();
        await _release.Task;
        return await base.WriteAsync(startOffset, content, replacing, cancellation);
    }
}

/// <summary>Takes a while for each segment write, so that pushes pile up behind it.</summary>
internal sealed class SlowStore(ISegmentStore inner, TimeSpan delay) : CountingStore(inner)
{
    public override async Task<string> WriteAsync(long startOffset, byte[] content, string? replacing, CancellationToken cancellation)
    {
        await Task.Delay(delay, cancellation);
        return await base.WriteAsync(startOffset, content, replacing, cancellation);
    }
}
