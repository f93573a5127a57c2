using System.Collections.Concurrent;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// The producer under the interleavings a review found (each test failed before its fix): against fake source partitions, no cluster.
/// </summary>
public sealed class EventProducerFaultTests
{
    private const string Job = "producer-faults";

    private static PushRoute Route(int parallelism) => new(Job, "source", parallelism, MaxBatchEvents: 1000);

    /// <summary>A fake partition: its push function decides each push.</summary>
    private sealed class FakeSource(int partition, Func<int, PushBatch, Task<PushResult>> onPush) : ISourceGrain
    {
        public ConcurrentQueue<PushBatch> Pushed { get; } = new();

        public Task<PushResult> PushAsync(PushBatch batch)
        {
            Pushed.Enqueue(batch);
            return onPush(partition, batch);
        }

        public Task<long> GetProducerSequenceAsync(string producerId) => Task.FromResult(0L);
    }

    [Fact]
    public async Task A_flush_ends_when_another_partition_fails_while_this_one_is_retrying()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sources = new ConcurrentDictionary<int, FakeSource>();
        ISourceGrain Source(TaskId task) => sources.GetOrAdd(task.Partition, p => new FakeSource(p, async (partition, batch) =>
        {
            if (partition == 0)
            {
                throw new TimeoutException("injected: partition 0 does not answer"); // retryable: retried for RetryFor
            }

            await gate.Task;
            throw new InvalidEventsException(Job, [new EventError(batch.FirstLine, "injected: refused")]); // not retryable
        }));

        var producer = new EventProducer((_, _) => Task.FromResult(Route(2)), Source,
            new EventProducerOptions { BatchSize = 1, Linger = Timeout.InfiniteTimeSpan, RetryFor = TimeSpan.FromSeconds(60), Replay = true });
        await producer.ProduceLineAsync(Job, "{\"a\":1}"); // batch 0 → partition 0 (retrying)
        await producer.ProduceLineAsync(Job, "{\"a\":2}"); // batch 1 → partition 1 (waits at the gate, then refused)

        var flush = producer.FlushAsync(); // passes its first ThrowIfFailed: nothing failed yet
        await Task.Delay(300);
        gate.SetResult(); // partition 1 fails for good: the producer stops; partition 0's retry delay is cancelled

        // Expected: the flush throws EventProducerException (the refusal) promptly.
        var finished = await Task.WhenAny(flush, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.True(finished == flush, "FlushAsync still hangs 10 s after the producer failed for good");
        await Assert.ThrowsAsync<EventProducerException>(() => flush);
    }

    [Fact]
    public async Task A_cancelled_produce_does_not_leave_its_record_behind_nor_let_a_batch_grow_past_the_batch_size()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        FakeSource? source = null;
        ISourceGrain Source(TaskId task) => source ??= new FakeSource(0, async (_, batch) =>
        {
            await gate.Task; // the job is busy
            return new PushResult(batch.Lines.Length);
        });

        var producer = new EventProducer((_, _) => Task.FromResult(Route(1)), Source,
            new EventProducerOptions { BatchSize = 2, Linger = Timeout.InfiniteTimeSpan, Replay = true });
        for (var i = 1; i <= 4; i++)
        {
            await producer.ProduceLineAsync(Job, $"{{\"n\":{i}}}"); // batch 1 in flight, batch 2 waiting
        }

        await producer.ProduceLineAsync(Job, "{\"n\":5}");
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            // The batch [5, 6] is full and waits for room: the caller gives up.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await producer.ProduceLineAsync(Job, "{\"n\":6}", timeout.Token));
        }

        gate.SetResult();
        await producer.ProduceLineAsync(Job, "{\"n\":7}");
        await producer.FlushAsync();
        await producer.DisposeAsync();

        var batches = source!.Pushed.Select(b => b.Lines).ToList();
        Assert.All(batches, lines => Assert.True(lines.Length <= 2, $"a batch of {lines.Length} records was pushed: [{string.Join(", ", lines)}] (BatchSize 2)"));
        Assert.DoesNotContain(batches.SelectMany(l => l), l => l == "{\"n\":6}"); // ProduceAsync threw for it
    }

    [Fact]
    public async Task Disposing_twice_does_not_throw()
    {
        var producer = new EventProducer((_, _) => Task.FromResult(Route(1)), _ => new FakeSource(0, (_, b) => Task.FromResult(new PushResult(b.Lines.Length))),
            new EventProducerOptions { BatchSize = 10, Replay = true, Linger = Timeout.InfiniteTimeSpan });
        await producer.ProduceLineAsync(Job, "{\"n\":1}");
        await producer.FlushAsync();
        await producer.DisposeAsync();

        await producer.DisposeAsync(); // e.g. `await using` plus an explicit DisposeAsync
    }

    [Fact]
    public async Task A_batch_acknowledged_by_the_job_is_not_reported_as_failed_when_the_acknowledgement_listener_throws()
    {
        var source = new FakeSource(0, (_, b) => Task.FromResult(new PushResult(b.Lines.Length)));
        var producer = new EventProducer((_, _) => Task.FromResult(Route(1)), _ => source,
            new EventProducerOptions { BatchSize = 10, Replay = true, Linger = Timeout.InfiniteTimeSpan, Acknowledged = _ => throw new InvalidOperationException("the application's listener failed") });
        await producer.ProduceLineAsync(Job, "{\"n\":1}");

        // The batch is logged (the source acknowledged it) yet the flush reports the push as failed.
        await producer.FlushAsync();
    }

    [Fact]
    public void Replay_with_lingering_is_refused_since_its_batches_could_differ_from_the_earlier_run()
    {
        var failed = Assert.Throws<ArgumentException>(() => new EventProducer(
            (_, _) => Task.FromResult(Route(1)), _ => new FakeSource(0, (_, b) => Task.FromResult(new PushResult(b.Lines.Length))),
            new EventProducerOptions { Replay = true }));

        Assert.Contains("Linger", failed.Message);
    }
}
