using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>
/// Jobs that read Azure Queue streams (Azurite's queue service) through <c>FromOrleansStream</c>, on a three-silo cluster:
/// a client publishes <see cref="StreamSourceEvent"/>s onto streams of one namespace (each stream numbered by its
/// producer), the job counts the events per user into a result table, and the committed counts are compared with an
/// oracle computed from the distinct events published — each (stream, number) once, however often it was sent,
/// delivered or replayed.
/// </summary>
[Collection(StreamSourceClusterCollection.Name)]
public sealed class OrleansStreamSourceTests(StreamSourceClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly CheckpointSettings Checkpoints = new() { Interval = TimeSpan.FromMilliseconds(200) };

    [Fact]
    public async Task Events_published_onto_queue_streams_are_counted_once_each_even_when_sent_twice_or_out_of_order()
    {
        using var deliveries = new Deliveries("stream-count");
        await using var driver = new JobDriver(fixture.Client, "stream-count");
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var publisher = new Publisher(fixture.Client, "clicks-count", "test-app");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async s =>
        {
            var key = $"stream-{s}";
            for (var i = 1; i <= 40; i++)
            {
                if (s == 0 && i == 20)
                {
                    // Event 21 overtakes event 20 (as a message delivered again after newer ones does): it is held back, then logged after 20.
                    var twenty = publisher.Next(key, User(s, 20));
                    await publisher.PublishAsync(key, User(s, 21));
                    await publisher.SendAsync(key, twenty);
                    i++;
                    continue;
                }

                var sent = await publisher.PublishAsync(key, i == 33 ? $"bad-{s}" : User(s, i)); // one bad record per stream
                if (i % 10 == 0)
                {
                    await publisher.SendAsync(key, sent); // a producer's retry of a publish that did arrive
                }
            }
        }));

        await AssertCountsEqualOracleAsync(driver, publisher);
        var info = await driver.Manager.GetInfoAsync();
        Assert.Equal(0, info.Restarts);

        // The bad records: one dead letter each (named by stream, producer and number), counted once.
        var letters = await fixture.OutputFilesAsync("dead-letters/stream-count/clicks/");
        Assert.Equal(8, letters.Count);
        var letter = Assert.Single(letters, l => l.Key.Contains("stream:clicks-count/stream-3/test-app/", StringComparison.Ordinal)).Value.Single();
        Assert.Contains("\"record\":\"bad-3\"", letter, StringComparison.Ordinal);
        Assert.Contains("\"position\":33", letter, StringComparison.Ordinal);
        Assert.Equal(8, (await driver.Manager.GetMetricsAsync()).DeadLetters);

        // The paths the oracle checked were taken: the retried publishes were recognised, event 21 was held back.
        output.WriteLine(deliveries.ToString());
        Assert.True(deliveries["duplicate"] >= 31, deliveries.ToString());
        Assert.True(deliveries["parked"] >= 1, deliveries.ToString());
    }

    [Fact]
    public async Task Killing_a_silo_while_events_flow_from_queue_streams_loses_none_and_counts_none_twice()
    {
        using var deliveries = new Deliveries("stream-count-kill");
        await using var driver = new JobDriver(fixture.Client, "stream-count-kill");
        var started = await driver.StartAsync(parallelism: 3, Checkpoints);
        var publisher = new Publisher(fixture.Client, "clicks-kill", "test-app");
        const int Streams = 12, PerStream = 120;
        var published = 0;
        var publishing = Task.WhenAll(Enumerable.Range(0, Streams).Select(async s =>
        {
            for (var i = 1; i <= PerStream; i++)
            {
                await publisher.PublishAsync($"stream-{s}", i % 40 == 0 ? $"bad-{s}-{i}" : User(s, i));
                Interlocked.Increment(ref published);
                await Task.Delay(15);
            }
        }));

        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref published) >= Streams * PerStream / 3), "a third of the events to be published");
        await Eventually.TrueAsync(async () => (await driver.Manager.GetInfoAsync()).LastCompletedCheckpoint is not null, "a checkpoint");
        var killed = await fixture.KillSiloHostingAsync(started);
        output.WriteLine($"killed {killed} after {Volatile.Read(ref published)} of {Streams * PerStream} events were published");
        await publishing;

        await AssertCountsEqualOracleAsync(driver, publisher, TimeSpan.FromSeconds(120));
        var info = await driver.Manager.GetInfoAsync();
        output.WriteLine($"restarts: {info.Restarts}, generation {info.Generation}, last failure: {info.LastFailure}");
        output.WriteLine($"deliveries: {deliveries}");
        Assert.True(deliveries["duplicate"] + deliveries["parked"] > 0, $"the silo's death made the queues deliver events again or out of order ({deliveries})");
        Assert.True(info.Restarts >= 1, "the job recovered from the silo's death");
        await Eventually.ValueAsync(
            async () => (await driver.Manager.GetMetricsAsync()).DeadLetters, n => n == Streams * (PerStream / 40), "each bad record counted once, across the restore");
        Assert.Equal(Streams * (PerStream / 40), (await fixture.OutputFilesAsync("dead-letters/stream-count-kill/clicks/")).Count);
    }

    [Fact]
    public async Task Events_published_while_the_job_is_not_running_wait_in_the_queue_and_are_counted_once_it_runs()
    {
        await using var driver = new JobDriver(fixture.Client, "stream-count-stopped");
        var publisher = new Publisher(fixture.Client, "clicks-stopped", "test-app");
        for (var i = 1; i <= 30; i++)
        {
            await publisher.PublishAsync($"stream-{i % 3}", User(i % 3, i));
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // delivered meanwhile, refused (the job does not run): left in the queue
        await driver.StartAsync(parallelism: 2, Checkpoints);

        await AssertCountsEqualOracleAsync(driver, publisher, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_job_that_reads_streams_cannot_be_restarted_with_another_number_of_source_instances_and_resumes_with_its_own()
    {
        await using var driver = new JobDriver(fixture.Client, "stream-count-rescale");
        await driver.StartAsync(parallelism: 2, Checkpoints);
        var publisher = new Publisher(fixture.Client, "clicks-rescale", "test-app");
        for (var i = 1; i <= 20; i++)
        {
            await publisher.PublishAsync($"stream-{i % 4}", User(i % 4, i));
        }

        await AssertCountsEqualOracleAsync(driver, publisher);
        await driver.Manager.StopAsync(drain: false);

        var refused = await Assert.ThrowsAsync<Errors.InvalidJobSettingsException>(() => driver.StartAsync(parallelism: 3, Checkpoints));
        Assert.Contains("Give it 2 instances", refused.Message, StringComparison.Ordinal);

        await driver.StartAsync(parallelism: 2, Checkpoints);
        for (var i = 21; i <= 40; i++)
        {
            await publisher.PublishAsync($"stream-{i % 4}", User(i % 4, i));
        }

        await AssertCountsEqualOracleAsync(driver, publisher);
    }

    private static string User(int stream, int i) => $"user-{(stream * 7 + i) % 5}";

    /// <summary>Waits until the committed count of every user equals the oracle's, then checks that it stays so (nothing counted twice later).</summary>
    private async Task AssertCountsEqualOracleAsync(JobDriver driver, Publisher publisher, TimeSpan? timeout = null)
    {
        var expected = publisher.Oracle();
        async Task<Counts> ReadAsync() =>
            new((await Task.WhenAll(expected.Keys.Select(async u => (u, (await driver.Manager.QueryAsync(u)).ValueJson)))).ToDictionary(v => v.u, v => v.ValueJson));

        await Eventually.ValueAsync(
            ReadAsync,
            committed => expected.All(e => committed.Values[e.Key] == e.Value.ToString(CultureInfo.InvariantCulture)),
            $"the committed counts to equal the oracle ({string.Join(", ", expected.Select(e => $"{e.Key}={e.Value}"))})",
            timeout ?? TimeSpan.FromSeconds(60));

        await Task.Delay(TimeSpan.FromSeconds(2)); // several checkpoints more: a duplicate logged late would show now
        var final = await ReadAsync();
        Assert.All(expected, e => Assert.Equal(e.Value.ToString(CultureInfo.InvariantCulture), final.Values[e.Key]));
        output.WriteLine($"{expected.Values.Sum()} events over {expected.Count} users, {publisher.Sends} sends");
    }

    /// <summary>The outcomes of the stream events delivered to a job's source on the in-process silos (<c>numStreamEventsDelivered</c>).</summary>
    private sealed class Deliveries : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _counts = new();

        public Deliveries(string job)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Runtime.Metrics.CheckpointMeter.Name && instrument.Name == "numStreamEventsDelivered")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? ofJob = null, outcome = null;
                foreach (var tag in tags)
                {
                    (ofJob, outcome) = tag.Key switch { "job" => (tag.Value as string, outcome), "outcome" => (ofJob, tag.Value as string), _ => (ofJob, outcome) };
                }

                if (ofJob == job && outcome is not null)
                {
                    _counts.AddOrUpdate(outcome, value, (_, n) => n + value);
                }
            });
            _listener.Start();
        }

        public long this[string outcome] => _counts.GetValueOrDefault(outcome);

        public override string ToString() => string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>The committed count per user, shown as such when a wait times out.</summary>
    private sealed record Counts(Dictionary<string, string?> Values)
    {
        public override string ToString() => string.Join(", ", Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value ?? "none"}"));
    }

    /// <summary>A producer of the contract: numbers its events per stream 1, 2, 3, … and retries a failed publish with the same number.</summary>
    private sealed class Publisher(IClusterClient client, string streamNamespace, string producerId)
    {
        private readonly ConcurrentDictionary<string, long> _next = new();
        private readonly ConcurrentDictionary<(string Key, long Sequence), string> _events = new();
        private int _sends;

        public int Sends => _sends;

        /// <summary>The next event of stream <paramref name="key"/>, numbered, not sent yet.</summary>
        public StreamSourceEvent Next(string key, string line)
        {
            var e = new StreamSourceEvent(producerId, _next.AddOrUpdate(key, 1, (_, n) => n + 1), line);
            _events[(key, e.Sequence)] = line;
            return e;
        }

        public async Task<StreamSourceEvent> PublishAsync(string key, string line)
        {
            var e = Next(key, line);
            await SendAsync(key, e);
            return e;
        }

        /// <summary>Sends <paramref name="e"/>, again with the same number while it fails (the client's gateway died, say).</summary>
        public async Task SendAsync(string key, StreamSourceEvent e)
        {
            var stream = client.GetStreamProvider(StreamSourceClusterFixture.Provider).GetStream<StreamSourceEvent>(StreamId.Create(streamNamespace, key));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                Interlocked.Increment(ref _sends);
                try
                {
                    await stream.OnNextAsync(e);
                    return;
                }
                catch (Exception) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }
            }
        }

        /// <summary>The count per user of the distinct events published (bad records left out).</summary>
        public Dictionary<string, long> Oracle() =>
            _events.Values.Where(u => u.StartsWith("user-", StringComparison.Ordinal)).GroupBy(u => u).ToDictionary(g => g.Key, g => (long)g.Count());
    }
}
