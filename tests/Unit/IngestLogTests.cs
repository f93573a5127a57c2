using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Ingest;
using Xunit;
using static OrleansCheckpoint.Tests.Unit.IngestTestKit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// The ingest log and a source's write path on a memory segment store: group commit, replay from an offset,
/// de-duplication across a reopen, fencing of a second writer, producer order and the pending-bytes budget.
/// Everything runs on one exclusive scheduler, as it does on the source grain's.
/// </summary>
public sealed class IngestLogTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public Task Pushes_that_arrive_while_a_segment_is_written_share_the_next_segment_write() => OnOneScheduler(async () =>
    {
        var store = new HeldStore(new MemorySegmentStore());
        var ingest = new Harness(store);
        var first = ingest.Push("a", 1, "a1");
        await store.WriteStarted; // the first push's segment is being written …
        var others = new[] { ingest.Push("b", 1, "b1", "b2"), ingest.Push("c", 1, "c1"), ingest.Push("a", 2, "a2", "a3") };
        await Task.Yield();
        Assert.All(others, push => Assert.False(push.IsCompleted)); // … and the pushes that came meanwhile wait for it, unlogged
        store.Release();
        await first;
        await Task.WhenAll(others);

        Assert.Equal(2, store.Writes); // one write for the first push, one for the three that arrived during it
        var segments = await store.ListAsync(CancellationToken.None);
        Assert.Equal([0L, 1L], segments);
        Assert.Equal(["b1", "b2", "c1", "a2", "a3"], Lines(await new IngestLog(store, Serializer).OpenAsync(1, null, generation: 1, CancellationToken.None)));
        Assert.Equal(["a1", "b1", "b2", "c1", "a2", "a3"], ingest.Queued);
        ingest.Stop();
    });

    [Fact]
    public async Task Reopening_at_an_offset_between_batches_replays_exactly_the_events_from_that_offset()
    {
        var store = new MemorySegmentStore();
        var log = new IngestLog(store, Serializer);
        await log.OpenAsync(0, null, generation: 1, CancellationToken.None);
        PushBatch[][] segments =
        [
            [Batch("p", 1, 3), Batch("q", 1, 2)],
            [Batch("p", 2, 4)],
            [Batch("q", 2, 1), Batch("p", 3, 3)],
        ];
        foreach (var segment in segments)
        {
            await log.AppendAsync(segment, CancellationToken.None);
        }

        var all = segments.SelectMany(s => s).SelectMany(b => b.Lines).ToList();
        foreach (var offset in new[] { 0, 3, 5, 9, 10, 13 })
        {
            var reopened = new IngestLog(store, Serializer);
            var replay = await reopened.OpenAsync(offset, null, generation: 1, CancellationToken.None);
            Assert.Equal(all.Skip(offset), Lines(replay)); // exactly the events from the offset, in log order
            Assert.Equal(13, reopened.EndOffset);
            Assert.Equal(new Dictionary<string, long> { ["p"] = 3, ["q"] = 2 }, reopened.ProducerSequences); // the whole log's producers
        }
    }

    [Fact]
    public async Task Reopening_inside_a_batch_or_past_the_end_of_the_log_is_an_error_that_names_the_offset()
    {
        var store = new MemorySegmentStore();
        var log = new IngestLog(store, Serializer);
        await log.OpenAsync(0, null, generation: 1, CancellationToken.None);
        await log.AppendAsync([Batch("p", 1, 3), Batch("p", 2, 4)], CancellationToken.None);

        var inside = await Assert.ThrowsAsync<InvalidOperationException>(() => new IngestLog(store, Serializer).OpenAsync(5, null, generation: 1, CancellationToken.None));
        Assert.Equal("Offset 5 falls inside a batch of the ingest log (at 3); checkpoints are taken between batches.", inside.Message);
        var past = await Assert.ThrowsAsync<InvalidOperationException>(() => new IngestLog(store, Serializer).OpenAsync(8, null, generation: 1, CancellationToken.None));
        Assert.Contains("ends at offset 7, before the checkpoint's offset 8", past.Message);
    }

    [Fact]
    public Task A_retried_push_is_a_duplicate_after_the_log_is_reopened_even_from_a_checkpoint_past_its_segment() => OnOneScheduler(async () =>
    {
        var store = new CountingStore(new MemorySegmentStore());
        var first = new Harness(store);
        Assert.False((await first.Push("p", 1, "e1", "e2")).Duplicate);
        Assert.False((await first.Push("p", 2, "e3")).Duplicate);
        Assert.False((await first.Push("q", 1, "e4")).Duplicate);
        first.Stop();

        // A new activation opens the log from offset 0: the retry of p/2 (acknowledged or not) is recognised.
        var second = new Harness(store);
        Assert.True((await second.Push("p", 2, "e3")).Duplicate);
        second.Stop();

        // One restored from a checkpoint at offset 4, after the segments of p's batches were truncated: the
        // checkpoint's sequences still recognise the retry.
        var truncating = new IngestLog(store, Serializer);
        await truncating.OpenAsync(0, null, generation: 1, CancellationToken.None);
        Assert.Equal(2, await truncating.TruncateBeforeAsync(4, CancellationToken.None));
        var third = new Harness(store, offset: 4, known: new Dictionary<string, long> { ["p"] = 2, ["q"] = 1 });
        Assert.True((await third.Push("p", 2, "e3")).Duplicate);
        Assert.False((await third.Push("p", 3, "e5")).Duplicate);
        third.Stop();

        Assert.Equal(4, store.Writes); // e1 e2 | e3 | e4 | e5: no retry was logged again
        Assert.Equal(["e5"], Lines(await new IngestLog(store, Serializer).OpenAsync(4, null, generation: 1, CancellationToken.None)));
    });

    [Fact]
    public Task A_second_writer_of_the_same_log_is_fenced_by_the_create_only_segment_and_its_push_fails() => OnOneScheduler(async () =>
    {
        var store = new MemorySegmentStore();
        var stale = new Harness(store); // both activations opened the empty log
        var current = new Harness(store);
        await current.Push("p", 1, "current");

        var push = stale.Push("q", 1, "stale");
        var error = await Assert.ThrowsAsync<StreamJobException>(() => push);
        Assert.Equal("The push was not logged: The ingest log was written at offset 0 by another writer: another activation of this source writes to it.", error.Message);
        var fenced = await Assert.ThrowsAsync<IngestLogFencedException>(() => stale.Running);
        Assert.Contains("another activation of this source writes to it", fenced.Message);
        var refused = await Assert.ThrowsAsync<StreamJobException>(() => stale.Push("q", 2, "later")); // the stale writer takes no more
        Assert.StartsWith("The ingest log of this source failed", refused.Message);

        Assert.Equal(["current"], Lines(await new IngestLog(store, Serializer).OpenAsync(0, null, generation: 1, CancellationToken.None))); // not overwritten
        current.Stop();
    });

    [Fact]
    public async Task A_writer_that_opened_the_log_before_a_newer_writer_opened_it_can_no_longer_append()
    {
        var store = new MemorySegmentStore();
        var stale = new IngestLog(store, Serializer);
        await stale.OpenAsync(0, null, generation: 1, CancellationToken.None);
        await stale.AppendAsync([Batch("p", 1, 2)], CancellationToken.None);

        var current = new IngestLog(store, Serializer); // a newer activation: it replays what the log holds
        Assert.Equal(2, Lines(await current.OpenAsync(0, null, generation: 1, CancellationToken.None)).Count);

        // The stale writer is at the true end of the log, but the newer one claimed it: its append (and acknowledgement) fails.
        var fenced = await Assert.ThrowsAsync<IngestLogFencedException>(() => stale.AppendAsync([Batch("q", 1, 1)], CancellationToken.None));
        Assert.Contains("another activation of this source writes to it", fenced.Message);
        await current.AppendAsync([Batch("r", 1, 3)], CancellationToken.None);

        var replay = await new IngestLog(store, Serializer).OpenAsync(0, null, generation: 1, CancellationToken.None);
        Assert.Equal(["p", "r"], replay.Select(b => b.ProducerId));
    }

    [Fact]
    public async Task A_log_whose_segments_before_or_after_the_restore_offset_are_missing_is_refused_naming_the_missing_events()
    {
        var store = new MemorySegmentStore();
        var log = new IngestLog(store, Serializer);
        await log.OpenAsync(0, null, generation: 1, CancellationToken.None);
        foreach (var sequence in new[] { 1, 2, 3 })
        {
            await log.AppendAsync([Batch("p", sequence, 4)], CancellationToken.None); // segments at 0, 4 and 8
        }

        await store.DeleteAsync(4, CancellationToken.None);
        var gap = await Assert.ThrowsAsync<InvalidOperationException>(() => new IngestLog(store, Serializer).OpenAsync(0, null, generation: 1, CancellationToken.None));
        Assert.Contains("no events from offset 4 to 8", gap.Message);
        await store.DeleteAsync(0, CancellationToken.None);
        var head = await Assert.ThrowsAsync<InvalidOperationException>(() => new IngestLog(store, Serializer).OpenAsync(2, null, generation: 1, CancellationToken.None));
        Assert.Contains("no events from offset 2 to 8", head.Message);
        Assert.Single(await new IngestLog(store, Serializer).OpenAsync(8, null, generation: 1, CancellationToken.None)); // from the last segment on, nothing is missing
    }

    [Fact]
    public Task A_producer_idle_for_longer_than_the_retention_is_forgotten_by_the_log_and_the_source_s_checkpointed_position() => OnOneScheduler(async () =>
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new MemorySegmentStore();
        var ingest = new Harness(store, clock: clock, producerRetention: TimeSpan.FromHours(1));
        await ingest.Push("idle", 1, "i1");
        await ingest.Push("busy", 1, "b1");
        clock.Advance(TimeSpan.FromMinutes(50));
        await ingest.Push("busy", 2, "b2");
        clock.Advance(TimeSpan.FromMinutes(20)); // "idle" last pushed 70 minutes ago, "busy" 20

        await ingest.Push("other", 1, "o1");

        Assert.Equal(["busy", "other"], ingest.Ingest.Log.ProducerSequences.Keys.Order());
        Assert.Equal(["busy", "other"], ingest.Source.Position.ProducerSequences.Keys.Order()); // what a checkpoint holds
        var gap = await Assert.ThrowsAsync<PushOutOfOrderException>(() => ingest.Push("idle", 2, "i2")); // not taken for a retry, nor logged
        Assert.Equal(1, gap.Expected);
        Assert.True((await ingest.Push("busy", 2, "b2")).Duplicate); // a producer within the retention is still recognised
        ingest.Stop();

        // Reopened from the start (a restore without a checkpoint), the log learns "idle" again from its segment, and forgets it again.
        var reopened = new Harness(store, clock: clock, producerRetention: TimeSpan.FromHours(1));
        await reopened.Push("other", 2, "o2");
        Assert.Equal(["busy", "other"], reopened.Ingest.Log.ProducerSequences.Keys.Order());
        reopened.Stop();
    });

    [Fact]
    public Task A_producers_pushes_are_numbered_from_one_a_retry_is_a_duplicate_and_a_gap_is_refused_not_taken_for_a_retry() => OnOneScheduler(async () =>
    {
        var store = new HeldStore(new MemorySegmentStore());
        store.Release();
        var ingest = new Harness(store);
        var first = await Assert.ThrowsAsync<PushOutOfOrderException>(() => ingest.Push("q", 2, "q2")); // a new producer starts at 1
        Assert.Equal("Push 2 of producer 'q' is out of order: its next is 1. A producer numbers its pushes 1, 2, 3, … and sends each after the one before it was accepted.", first.Message);
        await ingest.Push("p", 1, "e1");
        var gap = await Assert.ThrowsAsync<PushOutOfOrderException>(() => ingest.Push("p", 3, "e3"));
        Assert.Equal((3, 2), (gap.Sequence, gap.Expected));
        await ingest.Push("p", 2, "e2");
        Assert.True((await ingest.Push("p", 2, "e2")).Duplicate); // the last one's retry
        Assert.True((await ingest.Push("p", 1, "e1")).Duplicate); // an earlier one's retry: logged, as every number up to the last is

        store.Hold();
        var inFlight = ingest.Push("p", 3, "e3");
        await store.WriteStarted;
        var next = ingest.Push("p", 4, "e4"); // the next may follow before 3 is durable (accepted in order) …
        var overtaking = await Assert.ThrowsAsync<PushOutOfOrderException>(() => ingest.Push("p", 6, "e6")); // … a gap may not
        Assert.Equal(5, overtaking.Expected);
        store.Release();
        await inFlight;
        await next;

        Assert.Equal(["e1", "e2", "e3", "e4"], Lines(await new IngestLog(store, Serializer).OpenAsync(0, null, generation: 1, CancellationToken.None)));
        ingest.Stop();
    });

    [Fact]
    public Task Many_concurrent_producers_wait_for_room_and_the_pending_bytes_never_exceed_the_budget() => OnOneScheduler(async () =>
    {
        const long budget = 1_000;
        const int producers = 8;
        const int pushesEach = 12;
        var store = new SlowStore(new MemorySegmentStore(), TimeSpan.FromMilliseconds(3));
        var ingest = new Harness(store, maxPendingBytes: budget, maxSegmentBytes: 300);
        var pushed = Enumerable.Range(0, producers)
            .Select(p => Enumerable.Range(1, pushesEach).Select(s => Enumerable.Range(0, 5).Select(i => $"{p:D2}-{s:D3}-{i}-{new string('x', 30)}").ToArray()).ToList())
            .ToList();

        async Task ProduceAsync(int producer)
        {
            for (var s = 0; s < pushesEach; s++)
            {
                Assert.False((await ingest.Push($"producer-{producer}", s + 1, pushed[producer][s])).Duplicate);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, producers).Select(ProduceAsync));

        var total = pushed.SelectMany(p => p).SelectMany(l => l).Sum(l => (long)l.Length);
        Assert.True(total > 10 * budget, $"the producers push {total} bytes, well over the budget");
        Assert.InRange(ingest.Ingest.PeakPendingBytes, budget - 200, budget); // it filled up to the budget and never beyond
        Assert.Equal(0, ingest.Ingest.PendingBytes);
        var logged = Lines(await new IngestLog(store, Serializer).OpenAsync(0, null, generation: 1, CancellationToken.None));
        Assert.Equal(pushed.SelectMany(p => p).SelectMany(l => l).Order(StringComparer.Ordinal), logged.Order(StringComparer.Ordinal)); // each event once
        foreach (var producer in Enumerable.Range(0, producers))
        {
            var own = logged.Where(l => l.StartsWith($"{producer:D2}-", StringComparison.Ordinal));
            Assert.Equal(pushed[producer].SelectMany(l => l), own); // and in its producer's order
        }

        Assert.Equal(logged, ingest.Queued);
        ingest.Stop();
    });

    [Fact]
    public Task When_the_input_ends_a_push_waiting_for_room_is_refused_and_the_accepted_ones_are_still_logged() => OnOneScheduler(async () =>
    {
        var store = new HeldStore(new MemorySegmentStore());
        var ingest = new Harness(store, maxPendingBytes: 10);
        var accepted = ingest.Push("p", 1, "0123456789");
        await store.WriteStarted;
        var waiting = ingest.Push("q", 1, "late"); // the budget is full: it waits for room
        await Task.Yield();
        Assert.False(waiting.IsCompleted);

        ingest.Ingest.Close(() => new JobNotRunningException("job", "Draining"));
        await Assert.ThrowsAsync<JobNotRunningException>(() => waiting);
        await Task.Yield();
        Assert.False(ingest.Running.IsCompleted); // the write path ends only once the accepted push is logged and queued
        store.Release();
        await ingest.Running;
        await accepted;

        Assert.Equal(["0123456789"], ingest.Queued); // the accepted push is queued before the end; the refused one is not
        Assert.Equal(["0123456789"], Lines(await new IngestLog(store, Serializer).OpenAsync(0, null, generation: 1, CancellationToken.None)));
        ingest.Stop();
    });

    [Fact]
    public Task A_closed_write_path_ends_only_once_the_replay_after_a_restore_is_queued_even_with_no_push_since() => OnOneScheduler(async () =>
    {
        var store = new MemorySegmentStore();
        var first = new Harness(store);
        await first.Push("p", 1, "e1", "e2");
        await first.Push("p", 2, "e3");
        first.Stop();

        // A restored source whose replay is slowed by backpressure (the queue has no room), drained at once.
        var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = new Harness(store, enqueueGate: room.Task);
        restored.Ingest.Close(() => new JobNotRunningException("job", "Draining"));
        await Task.Delay(50);
        Assert.False(restored.Running.IsCompleted); // the end of input, queued next, would overtake the replayed events
        room.SetResult();
        await restored.Running;

        Assert.Equal(["e1", "e2", "e3"], restored.Queued);
        restored.Stop();
    });

    private static PushBatch Batch(string producer, long sequence, int events) =>
        new(producer, sequence, 1, [.. Enumerable.Range(0, events).Select(i => $"{producer}{sequence}-{i}")]);
}
