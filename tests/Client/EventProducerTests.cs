using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// The library's <see cref="IEventProducer"/> as an application uses it (<see cref="CheckpointClient.CreateProducer"/>),
/// against the real two-silo cluster and click jobs shaped like <see cref="LateClicksJob"/>: what the job commits is
/// checked against the clicks produced (<see cref="ClickWindows"/>), never against the producer's own counts.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EventProducerTests(ClusterFixture fixture)
{
    public static readonly string[] Jobs = ["producer-typed", "producer-kept-id", "producer-linger", "producer-refused"];

    private CheckpointClient App => new(fixture.Client);

    [Fact]
    public async Task Typed_records_whose_acknowledgements_were_lost_count_once_each_and_every_window_is_committed_once()
    {
        const string job = "producer-typed";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 3, ClickWindows.Manual);
        var clicks = ClickWindows.Slice(0).Concat(ClickWindows.Slice(1)).ToList(); // 4,000 clicks, batches of 250
        var sources = new SourceFaults(fixture.Client)
            .Fail(firstLine: 751, () => new TimeoutException("injected: the acknowledgement was lost"), afterTheRealPush: true)
            .Fail(firstLine: 2_001, () => new TimeoutException("injected: the acknowledgement was lost"), afterTheRealPush: true, times: 2)
            .Fail(firstLine: 3_251, () => new TimeoutException("injected: no answer"), afterTheRealPush: false);
        var options = new EventProducerOptions { BatchSize = 250, RetryFor = ClickWindows.RetryFor };
        var producer = new EventProducer((_, _) => driver.Manager.GetPushRouteAsync(), sources.Source, options);

        foreach (var click in clicks)
        {
            await producer.ProduceAsync(job, click);
        }

        await producer.FlushAsync();
        await producer.DisposeAsync();

        Assert.Equal(new ProducerStatistics(4_000, 16, 4, 2), producer.Statistics); // two retries recognised as duplicates
        Assert.All(sources.Attempts.GroupBy(a => a.Batch.FirstLine).Where(g => g.Count() > 1), g => Assert.Single(g.Select(a => (a.Task, a.Batch.ProducerId, a.Batch.Sequence)).Distinct()));
        await ClickWindows.DrainAndCheckAsync(fixture, driver, job, clicks);
    }

    [Fact]
    public async Task A_producer_that_keeps_its_id_across_restarts_continues_its_numbering_so_its_new_records_are_not_taken_for_retries()
    {
        const string job = "producer-kept-id";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var first = ClickWindows.Slice(0);
        var second = ClickWindows.Slice(1);

        foreach (var run in new[] { first, second }) // the application, run twice under the identity it kept
        {
            await using var producer = App.CreateProducer(new EventProducerOptions { ProducerId = "kept-by-the-app", BatchSize = 500 });
            foreach (var click in run)
            {
                await producer.ProduceAsync(job, click);
            }

            await producer.FlushAsync();
            Assert.Equal((2_000L, 0L), (producer.Statistics.Accepted, producer.Statistics.Duplicates));
        }

        await ClickWindows.DrainAndCheckAsync(fixture, driver, job, [.. first, .. second]);
    }

    [Fact]
    public async Task A_batch_that_is_not_full_is_sent_once_it_has_lingered_without_a_flush()
    {
        const string job = "producer-linger";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        var clicks = ClickWindows.Slice(0).Take(7).ToList();
        await using var producer = App.CreateProducer(new EventProducerOptions { Linger = TimeSpan.FromMilliseconds(50) });

        foreach (var click in clicks)
        {
            await producer.ProduceAsync(job, click);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((producer.Statistics.Accepted < 7 || (await driver.Manager.GetMetricsAsync()).EventsAccepted < 7) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(7, (await driver.Manager.GetMetricsAsync()).EventsAccepted);
        Assert.Equal(1, producer.Statistics.Batches);
    }

    [Fact]
    public async Task A_record_the_job_refuses_fails_the_flush_with_the_reason_and_every_later_record_to_that_job()
    {
        const string job = "producer-refused";
        await using var driver = new JobDriver(fixture.Client, job);
        await driver.StartAsync(parallelism: 2, ClickWindows.Manual);
        await using var producer = App.CreateProducer(new EventProducerOptions { BatchSize = 10 });

        foreach (var click in ClickWindows.Slice(0).Take(25))
        {
            await producer.ProduceAsync(job, click);
        }

        await producer.ProduceLineAsync(job, "{ not a click");
        var failed = await Assert.ThrowsAsync<EventProducerException>(() => producer.FlushAsync());

        Assert.Equal(26, Assert.Single(Assert.IsType<InvalidEventsException>(failed.InnerException).Errors).Line); // the producer's 26th record
        Assert.Equal((job, producer.ProducerId), (failed.Job, failed.ProducerId));
        await Assert.ThrowsAsync<EventProducerException>(async () => await producer.ProduceAsync(job, ClickWindows.Slice(1)[0]));
        Assert.Equal(20, (await driver.Manager.GetMetricsAsync()).EventsAccepted); // the two full batches before it
    }

    [Fact]
    public async Task Records_for_an_unknown_job_or_that_are_not_one_line_are_refused_at_once()
    {
        await using var producer = App.CreateProducer();

        await Assert.ThrowsAsync<JobNotFoundException>(async () => await producer.ProduceLineAsync("no-such-job", "{}"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await producer.ProduceLineAsync(Jobs[0], "{\n}"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await producer.ProduceLineAsync(Jobs[0], " "));
    }
}
