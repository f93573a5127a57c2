using OrleansCheckpoint.Cli.Push;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>
/// The client's pusher against the real two-silo cluster: how it cuts and routes its input, and how it retries.
/// The tests share the job <c>cli</c> and compare its counters before and after their own push.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EventPusherTests(ClusterFixture fixture)
{
    private const string Job = "cli";
    private const int Parallelism = 3;

    private IJobManagerGrain Manager => fixture.Client.GetGrain<IJobManagerGrain>(Job);

    [Fact]
    public async Task Batches_go_round_robin_over_the_partitions_and_name_the_input_line_they_start_at()
    {
        var route = await RunningJobAsync();
        var events = Requests(22);
        var input = new List<string>();
        input.AddRange(events[..5]);   // lines 1-5
        input.Add(string.Empty);       // line 6 ends a batch
        input.AddRange(events[5..8]);  // lines 7-9
        input.AddRange(["  ", ""]);    // lines 10-11
        input.AddRange(events[8..]);   // lines 12-25
        (long FirstLine, int Count)[] expected = [(1, 4), (5, 1), (7, 3), (12, 4), (16, 4), (20, 4), (24, 2)];
        var before = await EventsAcceptedAsync();
        var sources = new SourceFaults(fixture.Client);

        var summary = await new EventPusher(route, sources.Source, new PushSettings(BatchSize: 4)).PushAsync(input.ToAsyncEnumerable(), null, CancellationToken.None);

        Assert.Equal(new PushSummary(22, expected.Length, 0, 0, summary.Elapsed), summary);
        var attempts = sources.Attempts.OrderBy(a => a.Batch.FirstLine).ToList();
        Assert.Equal(expected, attempts.Select(a => (a.Batch.FirstLine, a.Batch.Lines.Length)));
        for (var k = 0; k < attempts.Count; k++)
        {
            var (task, batch) = attempts[k];
            Assert.Equal(route.Partition(k % Parallelism).GrainKey, task);
            Assert.Equal(k / Parallelism + 1, batch.Sequence);
            Assert.Equal(input.Skip((int)batch.FirstLine - 1).Take(batch.Lines.Length), batch.Lines);
        }

        Assert.Equal(Parallelism, attempts.Select(a => a.Batch.ProducerId).Distinct().Count()); // one producer per partition
        Assert.Equal(before + 22, await EventsAcceptedAsync());
    }

    [Fact]
    public async Task A_push_whose_acknowledgement_was_lost_is_retried_as_the_same_batch_and_its_events_count_once()
    {
        var route = await RunningJobAsync();
        var input = Requests(2_000); // 20 batches of 100
        var before = await EventsAcceptedAsync();
        var sources = new SourceFaults(fixture.Client).Fail(firstLine: 701, () => new TimeoutException("injected: the acknowledgement was lost"), afterTheRealPush: true);

        var summary = await new EventPusher(route, sources.Source, new PushSettings(100)).PushAsync(input.ToAsyncEnumerable(), null, CancellationToken.None);

        Assert.Equal((2_000L, 20L, 1L, 1L), (summary.Accepted, summary.Batches, summary.Retries, summary.Duplicates));
        var attempts = sources.Attempts.Where(a => a.Batch.FirstLine == 701).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Equal((attempts[0].Task, attempts[0].Batch.ProducerId, attempts[0].Batch.Sequence), (attempts[1].Task, attempts[1].Batch.ProducerId, attempts[1].Batch.Sequence));
        Assert.Equal(before + 2_000, await EventsAcceptedAsync()); // logged by the first attempt, recognised on the second
    }

    [Fact]
    public async Task A_push_refused_while_the_job_restarts_is_retried_until_it_is_accepted()
    {
        var route = await RunningJobAsync();
        var input = Requests(1_000);
        var before = await EventsAcceptedAsync();
        var sources = new SourceFaults(fixture.Client).Fail(firstLine: 301, () => new JobNotRunningException(Job, nameof(JobStatus.Restarting)), afterTheRealPush: false, times: 2);

        var summary = await new EventPusher(route, sources.Source, new PushSettings(100)).PushAsync(input.ToAsyncEnumerable(), null, CancellationToken.None);

        Assert.Equal((1_000L, 10L, 2L, 0L), (summary.Accepted, summary.Batches, summary.Retries, summary.Duplicates));
        Assert.Equal(3, sources.Attempts.Count(a => a.Batch.FirstLine == 301));
        Assert.Equal(before + 1_000, await EventsAcceptedAsync());
    }

    [Fact]
    public async Task A_push_refused_for_good_is_not_retried_and_stops_the_push()
    {
        var route = await RunningJobAsync();
        var sources = new SourceFaults(fixture.Client).Fail(firstLine: 301, () => new JobNotRunningException(Job, nameof(JobStatus.Stopped)), afterTheRealPush: false);

        var failed = await Assert.ThrowsAsync<PushFailedException>(() =>
            new EventPusher(route, sources.Source, new PushSettings(100)).PushAsync(Requests(1_000).ToAsyncEnumerable(), null, CancellationToken.None));

        Assert.Equal("Stopped", Assert.IsType<JobNotRunningException>(failed.InnerException).Status);
        Assert.Equal(0, failed.Progress.Retries);
        Assert.Single(sources.Attempts, a => a.Batch.FirstLine == 301);
    }

    [Fact]
    public async Task A_batch_the_job_rejects_is_not_retried()
    {
        var route = await RunningJobAsync();
        var input = Requests(300);
        input[149] = "{ not a request";
        var sources = new SourceFaults(fixture.Client);

        var failed = await Assert.ThrowsAsync<PushFailedException>(() =>
            new EventPusher(route, sources.Source, new PushSettings(100)).PushAsync(input.ToAsyncEnumerable(), null, CancellationToken.None));

        Assert.Equal(150, Assert.Single(Assert.IsType<InvalidEventsException>(failed.InnerException).Errors).Line);
        Assert.Equal(0, failed.Progress.Retries);
        Assert.Single(sources.Attempts, a => a.Batch.FirstLine == 101);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    public async Task A_push_that_keeps_failing_fails_with_its_last_error_once_its_time_to_retry_is_up(int retryForMs)
    {
        var route = await RunningJobAsync();
        var sources = new SourceFaults(fixture.Client).Fail(firstLine: 1, () => new TimeoutException("injected: no answer"), afterTheRealPush: false, times: int.MaxValue);
        var settings = new PushSettings(100, RetryFor: TimeSpan.FromMilliseconds(retryForMs));

        var failed = await Assert.ThrowsAsync<PushFailedException>(() =>
            new EventPusher(route, sources.Source, settings).PushAsync(Requests(100).ToAsyncEnumerable(), null, CancellationToken.None));

        Assert.Equal("injected: no answer", Assert.IsType<TimeoutException>(failed.InnerException).Message);
        Assert.Equal(failed.Progress.Retries + 1, sources.Attempts.Count);
        Assert.True(retryForMs == 0 ? failed.Progress.Retries == 0 : failed.Progress.Retries >= 1, $"{failed.Progress.Retries} retries");
    }

    private async Task<PushRoute> RunningJobAsync()
    {
        var info = await Manager.StartAsync(new JobStartOptions(Parallelism));
        Assert.Equal(JobStatus.Running, info.Status);
        var route = await Manager.GetPushRouteAsync();
        Assert.Equal(Parallelism, route.Parallelism);
        return route;
    }

    private async Task<long> EventsAcceptedAsync() => (await Manager.GetMetricsAsync()).EventsAccepted;

    private static List<string> Requests(int count) =>
        [.. new RequestGenerator(seed: 5, eventsPerSecond: 1000).Take(count).Select(RequestGenerator.ToJsonLine)];
}
