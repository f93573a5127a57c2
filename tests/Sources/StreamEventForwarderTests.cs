using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Sources.OrleansStreams;
using Xunit;

namespace OrleansCheckpoint.Tests.Sources;

/// <summary>
/// The stream consumer's side of exactly-once: each event becomes a push with the stream's producer and the event's own
/// number, so the ingest log (played here by <see cref="LogRules"/>, which answers as <c>SourceIngest</c> does) logs it
/// once however often it is delivered; an event ahead of its producer's next number is parked durably and logged after
/// the numbers before it.
/// </summary>
public sealed class StreamEventForwarderTests
{
    private static readonly StreamSourceRoute Route = new("job", "clicks", new OrleansStreamSubscription("queues", "clicks"));

    [Fact]
    public async Task An_event_delivered_again_is_pushed_with_the_same_producer_and_number_and_logged_once()
    {
        var (log, forwarder, _, _) = Create();

        Assert.Equal(ForwardOutcome.Logged, await forwarder.ForwardAsync(Route, "user-7", new StreamSourceEvent("app", 1, "a")));
        Assert.Equal(ForwardOutcome.Logged, await forwarder.ForwardAsync(Route, "user-7", new StreamSourceEvent("app", 2, "b")));
        Assert.Equal(ForwardOutcome.Duplicate, await forwarder.ForwardAsync(Route, "user-7", new StreamSourceEvent("app", 1, "a")));
        Assert.Equal(ForwardOutcome.Duplicate, await forwarder.ForwardAsync(Route, "user-7", new StreamSourceEvent("app", 2, "b")));

        Assert.Equal(["a", "b"], log.Logged.Select(l => l.Line));
        Assert.All(log.Logged, l => Assert.Equal("stream:clicks/user-7/app", l.Producer));
        Assert.Single(log.Logged.Select(l => l.Partition).Distinct()); // one stream, one partition
    }

    [Fact]
    public async Task Events_ahead_of_their_producer_are_parked_durably_and_logged_in_order_once_the_gap_is_filled()
    {
        var (log, forwarder, parked, saves) = Create();
        await forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 1, "one"));

        Assert.Equal(ForwardOutcome.Parked, await forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 3, "three")));
        Assert.Equal(ForwardOutcome.Parked, await forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 4, "four")));
        Assert.Equal(ForwardOutcome.Parked, await forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 3, "three"))); // delivered again while parked
        Assert.Equal(2, parked.Count);
        Assert.Equal(2, saves.Count); // each parked event was saved before its delivery completed
        Assert.Equal(["one"], log.Logged.Select(l => l.Line));

        Assert.Equal(ForwardOutcome.Logged, await forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 2, "two")));

        Assert.Equal(["one", "two", "three", "four"], log.Logged.Select(l => l.Line));
        Assert.Equal(0, parked.Count);
        Assert.Equal(ForwardOutcome.Duplicate, await forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 4, "four")));
        Assert.Equal(4, log.Logged.Count);
    }

    [Fact]
    public async Task An_event_that_cannot_be_parked_durably_is_not_acknowledged()
    {
        var (log, forwarder, parked, saves) = Create(failSaves: true);
        await forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 1, "one"));

        await Assert.ThrowsAsync<IOException>(() => forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 3, "three")));

        Assert.Equal(0, parked.Count);
        Assert.Single(log.Logged);
    }

    [Fact]
    public async Task Producers_and_streams_are_numbered_apart_and_each_stream_keeps_to_one_partition()
    {
        var (log, forwarder, _, _) = Create();
        foreach (var key in Enumerable.Range(0, 40).Select(i => $"key-{i}"))
        {
            await forwarder.ForwardAsync(Route, key, new StreamSourceEvent("a", 1, key));
            await forwarder.ForwardAsync(Route, key, new StreamSourceEvent("b", 1, key));
            await forwarder.ForwardAsync(Route, key, new StreamSourceEvent("a", 2, key));
        }

        Assert.Equal(120, log.Logged.Count);
        Assert.All(log.Logged.GroupBy(l => l.Line), g => Assert.Single(g.Select(l => l.Partition).Distinct()));
        Assert.Equal(4, log.Logged.Select(l => l.Partition).Distinct().Count()); // 40 streams spread over the 4 partitions
        Assert.Equal(StreamEventForwarder.PartitionOf("clicks", "key-3", 4), log.Logged.First(l => l.Line == "key-3").Partition);
    }

    [Fact]
    public async Task An_event_without_a_producer_or_a_number_is_refused()
    {
        var (log, forwarder, _, _) = Create();

        await Assert.ThrowsAsync<StreamJobException>(() => forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("", 1, "x")));
        await Assert.ThrowsAsync<StreamJobException>(() => forwarder.ForwardAsync(Route, "k", new StreamSourceEvent("app", 0, "x")));
        Assert.Empty(log.Logged);
    }

    private static (LogRules Log, StreamEventForwarder Forwarder, ParkedStreamEvents Parked, List<int> Saves) Create(bool failSaves = false)
    {
        var log = new LogRules();
        var parked = new ParkedStreamEvents();
        var saves = new List<int>();
        var forwarder = new StreamEventForwarder(log, parked, () =>
        {
            if (failSaves)
            {
                throw new IOException("storage unavailable");
            }

            saves.Add(parked.Count);
            return Task.CompletedTask;
        }, maxParked: 100);
        return (log, forwarder, parked, saves);
    }

    /// <summary>Source partitions that answer pushes by the ingest log's rules: at or below the last number a duplicate, the next one logged, any other refused.</summary>
    private sealed class LogRules : IStreamSourceTargets
    {
        private readonly Dictionary<(int, string), long> _last = [];

        public List<(int Partition, string Producer, long Sequence, string Line)> Logged { get; } = [];

        public Task<int> ParallelismOfAsync(StreamSourceRoute route) => Task.FromResult(4);

        public Task<PushResult> PushAsync(TaskId partition, PushBatch batch)
        {
            var last = _last.GetValueOrDefault((partition.Partition, batch.ProducerId));
            if (batch.Sequence <= last)
            {
                return Task.FromResult(new PushResult(batch.Lines.Length, Duplicate: true));
            }

            if (batch.Sequence != last + 1)
            {
                throw new PushOutOfOrderException(batch.ProducerId, batch.Sequence, last + 1);
            }

            _last[(partition.Partition, batch.ProducerId)] = batch.Sequence;
            Logged.Add((partition.Partition, batch.ProducerId, batch.Sequence, batch.Lines.Single()));
            return Task.FromResult(new PushResult(batch.Lines.Length));
        }
    }
}
