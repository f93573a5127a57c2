using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Runtime.Ingest;
using Xunit;
using static OrleansCheckpoint.Tests.Unit.IngestTestKit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>A producer that keeps its id resumes while a push of its previous incarnation still waits for room (failed before the source fenced it).</summary>
public sealed class ProducerResumeTests
{
    [Fact]
    public Task A_kept_id_resuming_while_its_previous_incarnations_push_waits_for_room_does_not_lose_its_new_batch() => OnOneScheduler(async () =>
    {
        var store = new HeldStore(new MemorySegmentStore());
        var ingest = new Harness(store, maxPendingBytes: 10);
        var busy = ingest.Push("another-producer", 1, "0123456789"); // the job is busy: the budget is full
        await store.WriteStarted;

        // The application's previous run pushed batch 1 of "kept-0" and died (or gave up: a client timeout) while it waited for room.
        var old = ingest.Push("kept-0", 1, "old-record");
        await Task.Yield();
        Assert.False(old.IsCompleted);

        // The application restarts under its kept id: GetProducerSequenceAsync answers 0, so its first new batch is numbered 1.
        Assert.Equal(0, await ingest.Ingest.ResumeProducerAsync("kept-0", CancellationToken.None));
        var resumed = ingest.Push("kept-0", 1, "new-record");

        store.Release();
        await busy;
        await Assert.ThrowsAsync<PushOutOfOrderException>(() => old); // superseded: the earlier incarnation gave up on it
        var result = await resumed; // the resumed producer's FlushAsync returns after this

        var logged = Lines(await new IngestLog(store, Serializer).OpenAsync(0, null, generation: 1, CancellationToken.None));
        Assert.False(result.Duplicate, $"the new batch was acknowledged as a duplicate; the log holds [{string.Join(", ", logged)}]");
        Assert.Contains("new-record", logged);
        ingest.Stop();
    });
}
