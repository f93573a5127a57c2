using System.Collections.Concurrent;
using System.Text.Json;
using Orleans.Streams;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>Drives one job in a test: start, push lines, collect results, drain.</summary>
public sealed class JobDriver(IClusterClient client, string job) : IAsyncDisposable
{
    // Committed result batches by their identity: a batch re-published after a recovery replaces itself.
    private readonly ConcurrentDictionary<(string, int, long, bool, int), ResultBatch> _results = new();
    private StreamSubscriptionHandle<ResultBatch>? _subscription;
    private long _sequence;

    public IJobManagerGrain Manager => client.GetGrain<IJobManagerGrain>(job);

    public ICheckpointCoordinatorGrain Coordinator => client.GetGrain<ICheckpointCoordinatorGrain>(job);

    private readonly ConcurrentQueue<string> _differingRepeats = new();

    /// <summary>The committed results, each once.</summary>
    public IReadOnlyList<string> Results => _results.Values.SelectMany(b => b.Records).ToList();

    /// <summary>How many result batches arrived more than once (re-published after a recovery).</summary>
    public int RepublishedBatches { get; private set; }

    public async Task<JobInfo> StartAsync(int? parallelism = null, CheckpointSettings? checkpointing = null)
    {
        _subscription = await client.GetStreamProvider(ResultsStream.ProviderName)
            .GetStream<ResultBatch>(StreamId.Create(ResultsStream.Namespace, job))
            .SubscribeAsync((batch, _) =>
            {
                if (!_results.TryAdd(batch.DedupeKey, batch))
                {
                    // A repeat must be the same results; checked in the test's own flow (an exception here would go to Orleans).
                    if (!_results[batch.DedupeKey].Records.SequenceEqual(batch.Records))
                    {
                        _differingRepeats.Enqueue(batch.DedupeKey.ToString());
                    }

                    RepublishedBatches++;
                }

                return Task.CompletedTask;
            });
        return await Manager.StartAsync(new JobStartOptions(parallelism, checkpointing));
    }

    /// <summary>Retries of pushes that failed (and were then acknowledged), and how many of those the source had already logged.</summary>
    public (int Retries, int Duplicates) RetryCounts { get; private set; }

    /// <summary>
    /// Pushes lines in batches of <paramref name="batchSize"/>; batch k goes to source partition k mod P. A push
    /// that fails for a reason other than bad input is retried with the same producer and sequence (the
    /// source recognises a batch it already logged), for up to <paramref name="retryFor"/>.
    /// </summary>
    public async Task<int> PushAsync(IEnumerable<string> lines, int batchSize = 500, TimeSpan? retryFor = null)
    {
        var route = await RetryAsync(() => Manager.GetPushRouteAsync(), retryFor ?? TimeSpan.Zero);
        var accepted = 0;
        var lineNumber = 1L;
        foreach (var chunk in lines.Chunk(batchSize))
        {
            var partition = (int)(_sequence % route.Parallelism);
            var batch = new PushBatch($"{job}-producer-{partition}", ++_sequence, lineNumber, chunk);
            var result = await RetryAsync(() => Source(route, partition).PushAsync(batch), retryFor ?? TimeSpan.Zero);
            accepted += result.Accepted;
            lineNumber += chunk.Length;
        }

        return accepted;
    }

    /// <summary>Pushes one batch to one source partition, retrying it like <see cref="PushAsync"/> does.</summary>
    public async Task<PushResult> PushToAsync(int partition, string producer, long sequence, IEnumerable<string> lines, TimeSpan retryFor)
    {
        var batch = new PushBatch(producer, sequence, 1, [.. lines]);
        return await RetryAsync(async () => await Source(await Manager.GetPushRouteAsync(), partition).PushAsync(batch), retryFor);
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> call, TimeSpan retryFor)
    {
        var deadline = DateTime.UtcNow + retryFor;
        var retried = false;
        while (true)
        {
            try
            {
                var result = await call();
                if (retried)
                {
                    RetryCounts = (RetryCounts.Retries + 1, RetryCounts.Duplicates + (result is PushResult { Duplicate: true } ? 1 : 0));
                }

                return result;
            }
            catch (Exception e) when (DateTime.UtcNow < deadline && e is not (Errors.InvalidEventsException or Errors.BatchTooLargeException or Errors.JobNotFoundException)
                && e is not Errors.JobNotRunningException { Status: not "Restarting" })
            {
                retried = true;
                await Task.Delay(100);
            }
        }
    }

    public async Task<ISourceGrain> SourceAsync(int partition) => Source(await Manager.GetPushRouteAsync(), partition);

    /// <summary>Stops with a drain and waits until every operator has processed its whole input.</summary>
    public async Task<JobInfo> DrainAsync()
    {
        await Manager.StopAsync(drain: true);
        return await Eventually.ValueAsync(() => Manager.GetInfoAsync(), info => info.Status is JobStatus.Finished or JobStatus.Failed, "the job to finish draining");
    }

    /// <summary>Waits until <paramref name="count"/> results arrived (and a little longer, to catch extras).</summary>
    public async Task<IReadOnlyList<T>> ResultsAsync<T>(int count)
    {
        await Eventually.TrueAsync(() => Task.FromResult(Results.Count >= count), $"{count} results (have {Results.Count})");
        await Task.Delay(300);
        Assert.Empty(_differingRepeats); // a batch published again after a recovery carried other results
        return Results.Select(r => JsonSerializer.Deserialize<T>(r, JsonSerializerOptions.Web)!).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscription is not null)
        {
            await _subscription.UnsubscribeAsync();
        }

        await Manager.StopAsync(drain: false);
    }

    private ISourceGrain Source(PushRoute route, int partition) => client.GetGrain<ISourceGrain>(route.Partition(partition).GrainKey);
}

/// <summary>Polling with a deadline, for outcomes that arrive asynchronously (streams, drains).</summary>
public static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            T value;
            try
            {
                value = await probe();
            }
            catch (Exception e) when (e is Orleans.Runtime.Messaging.ConnectionFailedException or SiloUnavailableException && DateTime.UtcNow <= deadline)
            {
                await Task.Delay(50); // the client's gateway, or the probed grain's silo, just died: ask again
                continue;
            }

            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<Task<bool>> probe, string what, TimeSpan? timeout = null) => ValueAsync(probe, ok => ok, what, timeout);
}
