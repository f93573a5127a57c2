using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Sources.OrleansStreams;

/// <summary>Where a stream's events are logged: the source partitions of running jobs.</summary>
internal interface IStreamSourceTargets
{
    /// <summary>The number of partitions of the route's source; throws (the event is not acknowledged) unless its job runs.</summary>
    Task<int> ParallelismOfAsync(StreamSourceRoute route);

    /// <summary>Pushes <paramref name="batch"/> to source partition <paramref name="partition"/>: it is durable in its ingest log when this completes.</summary>
    Task<PushResult> PushAsync(TaskId partition, PushBatch batch);
}

/// <summary>What became of an event handed to <see cref="StreamEventForwarder.ForwardAsync"/>.</summary>
internal enum ForwardOutcome
{
    /// <summary>Logged now.</summary>
    Logged,

    /// <summary>Logged before (a redelivery or a retried publish): recognised, not logged again.</summary>
    Duplicate,

    /// <summary>Ahead of its producer's next number: held back durably until the numbers before it are logged.</summary>
    Parked,
}

/// <summary>
/// Logs the events of one stream (one stream key of a namespace) into the ingest logs of the sources that read its
/// namespace. Every event of the stream goes to source partition <c>hash(namespace/key) mod P</c>, as a push of producer
/// <c>stream:{namespace}/{key}/{producer id}</c> numbered with the event's own number, so the ingest log recognises an
/// event it already holds whichever pulling agent delivers it again and whatever sequence token the agent gave it.
/// The log takes a producer's numbers only in order; an event that arrives ahead of its producer's next number (the
/// earlier one is invisible in the queue until its visibility timeout, after the silo that read it died) is parked —
/// saved in the consumer's grain state — before the stream is told it was delivered, and logged right after the numbers
/// before it. A completed <see cref="ForwardAsync"/> therefore means: the event is in the log, or durably parked.
/// </summary>
internal sealed class StreamEventForwarder(IStreamSourceTargets targets, ParkedStreamEvents parked, Func<Task> saveParked, int maxParked)
{
    /// <summary>The ingest-log producer of events of <paramref name="producerId"/> on stream <paramref name="streamKey"/> of <paramref name="streamNamespace"/>.</summary>
    public static string ProducerKey(string streamNamespace, string streamKey, string producerId) => $"stream:{streamNamespace}/{streamKey}/{producerId}";

    /// <summary>The key of a producer's parked events for one source.</summary>
    public static string ParkingKey(StreamSourceRoute route, string producerKey) => $"{route.Job}/{route.SourceUid}|{producerKey}";

    /// <summary>The source partition that logs every event of a stream: a stable hash of <c>namespace/key</c>, modulo the source's parallelism.</summary>
    public static int PartitionOf(string streamNamespace, string streamKey, int parallelism) =>
        (int)(Dataflow.StableKeyHash.Of($"{streamNamespace}/{streamKey}") % (ulong)parallelism);

    /// <summary>Logs <paramref name="e"/> (or parks it); throws when it is neither, so the stream delivers it again.</summary>
    public async Task<ForwardOutcome> ForwardAsync(StreamSourceRoute route, string streamKey, StreamSourceEvent e)
    {
        if (string.IsNullOrEmpty(e.ProducerId) || e.Sequence < 1)
        {
            throw new StreamJobException(
                $"An event of stream {route.Subscription.StreamNamespace}/{streamKey} has producer '{e.ProducerId}' and number {e.Sequence}: a producer id and numbers from 1 are required.");
        }

        var ns = route.Subscription.StreamNamespace;
        var producer = ProducerKey(ns, streamKey, e.ProducerId);
        var partition = new TaskId(route.Job, route.SourceUid, PartitionOf(ns, streamKey, await targets.ParallelismOfAsync(route)));
        PushResult result;
        try
        {
            result = await targets.PushAsync(partition, Batch(producer, e.Sequence, e.Line));
        }
        catch (PushOutOfOrderException gap) when (gap.Expected < e.Sequence)
        {
            await ParkAsync(ParkingKey(route, producer), e);
            return ForwardOutcome.Parked;
        }

        await ReleaseAsync(ParkingKey(route, producer), partition, producer, e.Sequence);
        return result.Duplicate ? ForwardOutcome.Duplicate : ForwardOutcome.Logged;
    }

    private static PushBatch Batch(string producer, long sequence, string line) => new(producer, sequence, sequence, [line]);

    private async Task ParkAsync(string key, StreamSourceEvent e)
    {
        if (!parked.Events.TryGetValue(key, out var events))
        {
            parked.Events[key] = events = [];
        }

        if (events.ContainsKey(e.Sequence))
        {
            return; // parked before (a redelivery of a parked event)
        }

        if (parked.Count >= maxParked)
        {
            throw new StreamJobException(
                $"Event {e.Sequence} of producer '{e.ProducerId}' is ahead of its producer's next number, and {maxParked} events are held back already: it stays in the queue.");
        }

        events[e.Sequence] = e.Line;
        try
        {
            await saveParked();
        }
        catch
        {
            events.Remove(e.Sequence); // not durable: not acknowledged either
            throw;
        }
    }

    /// <summary>Logs the parked events that follow <paramref name="logged"/> without a gap, then forgets them (and any at or below it).</summary>
    private async Task ReleaseAsync(string key, TaskId partition, string producer, long logged)
    {
        if (!parked.Events.TryGetValue(key, out var events))
        {
            return;
        }

        var changed = false;
        foreach (var stale in events.Keys.Where(s => s <= logged).ToList())
        {
            events.Remove(stale);
            changed = true;
        }

        for (var next = logged + 1; events.TryGetValue(next, out var line); next++)
        {
            await targets.PushAsync(partition, Batch(producer, next, line)); // durable from here on; a crash before the save below pushes it again: a duplicate
            events.Remove(next);
            changed = true;
        }

        if (events.Count == 0)
        {
            parked.Events.Remove(key);
        }

        if (changed)
        {
            await saveParked();
        }
    }
}
