using System.Collections.Concurrent;
using System.Text.Json;
using Orleans.Streams;
using OrleansCheckpoint.Cli.Push;
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

    public IJobManagerGrain Manager => client.GetGrain<IJobManagerGrain>(job);

    public ICheckpointCoordinatorGrain Coordinator => client.GetGrain<ICheckpointCoordinatorGrain>(job);

    /// <summary>The job manager as its instances talk to it (the runtime's internal protocol).</summary>
    internal IJobManagerGateway ManagerGateway => client.GetGrain<IJobManagerGateway>(job);

    /// <summary>The checkpoint coordinator as its instances talk to it (the runtime's internal protocol).</summary>
    internal ICheckpointCoordinatorGateway CoordinatorGateway => client.GetGrain<ICheckpointCoordinatorGateway>(job);

    private readonly ConcurrentQueue<string> _differingRepeats = new();

    /// <summary>The committed results, each once.</summary>
    public IReadOnlyList<string> Results => _results.Values.SelectMany(b => b.Records).ToList();

    /// <summary>How many result batches arrived more than once (re-published after a recovery).</summary>
    public int RepublishedBatches { get; private set; }

    public async Task<JobInfo> StartAsync(int? parallelism = null, CheckpointSettings? checkpointing = null, RestartOverrides? restart = null)
    {
        await SubscribeAsync();
        return await Manager.StartAsync(new JobStartOptions(parallelism, checkpointing, RestartOverrides: restart));
    }

    /// <summary>Follows the job's results stream (done by <see cref="StartAsync"/>; for a job started otherwise, e.g. by the client's command line).</summary>
    public async Task SubscribeAsync()
    {
        _subscription ??= await client.GetStreamProvider(ResultsStream.ProviderName)
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
    }

    /// <summary>Retries of pushes that failed (and were then acknowledged), and how many batches the sources had already logged.</summary>
    public (long Retries, long Duplicates) RetryCounts { get; private set; }

    /// <summary>
    /// Pushes lines through the client's own <see cref="EventPusher"/> (what <c>client push</c> runs): batches of
    /// <paramref name="batchSize"/>, batch k to source partition k mod P, a failed push retried with the same producer
    /// and sequence by the client's <see cref="PushRetryPolicy"/> for up to <paramref name="retryFor"/> (zero: not
    /// at all). <paramref name="producer"/> fixes the producer's identity, so that pushing the same lines again sends
    /// each batch as before; <paramref name="eventsPerSecond"/> throttles the push. Throws the client's
    /// <see cref="PushFailedException"/> when a batch is refused or still fails when its time to retry is up.
    /// </summary>
    public async Task<long> PushAsync(IEnumerable<string> lines, int batchSize = 500, TimeSpan? retryFor = null, string? producer = null, double? eventsPerSecond = null)
    {
        var settings = new PushSettings(batchSize, eventsPerSecond, retryFor ?? TimeSpan.Zero) { ProducerId = producer };
        var route = await settings.RetryPolicy.ExecuteAsync(() => Manager.GetPushRouteAsync(), null, CancellationToken.None);
        try
        {
            var summary = await new EventPusher(client, route, settings).PushAsync(lines.ToAsyncEnumerable(), null, CancellationToken.None);
            Count(summary);
            return summary.Accepted;
        }
        catch (PushFailedException e)
        {
            Count(e.Progress);
            throw;
        }
    }

    /// <summary>Pushes one batch to one source partition, retried by the client's <see cref="PushRetryPolicy"/> as <see cref="PushAsync"/> retries.</summary>
    public async Task<PushResult> PushToAsync(int partition, string producer, long sequence, IEnumerable<string> lines, TimeSpan retryFor)
    {
        var batch = new PushBatch(producer, sequence, 1, [.. lines]);
        var retries = 0;
        var result = await new PushRetryPolicy(retryFor).ExecuteAsync(async () => await (await SourceAsync(partition)).PushAsync(batch), (_, retry) => retries = retry, CancellationToken.None);
        Count(new PushSummary(result.Accepted, 1, retries, result.Duplicate ? 1 : 0, TimeSpan.Zero));
        return result;
    }

    private void Count(PushSummary summary) => RetryCounts = (RetryCounts.Retries + summary.Retries, RetryCounts.Duplicates + summary.Duplicates);

    public async Task<ISourceGrain> SourceAsync(int partition) => Source(await Manager.GetPushRouteAsync(), partition);

    public ISavepointGrain Savepoints => client.GetGrain<ISavepointGrain>(job);

    /// <summary>Triggers a checkpoint now and waits until it completed; returns its id.</summary>
    public async Task<long> CheckpointAsync()
    {
        var id = await Coordinator.TriggerCheckpointAsync() ?? throw new InvalidOperationException("no checkpoint was triggered");
        await Eventually.TrueAsync(async () => (await Manager.GetInfoAsync()).LastCompletedCheckpoint == id, $"checkpoint {id} to complete");
        return id;
    }

    /// <summary>Takes a savepoint (with <paramref name="stop"/>: stops the job with it) and waits until it is done.</summary>
    public async Task<SavepointInfo> SavepointAsync(bool stop = false) => await WaitForSavepointAsync(await Savepoints.TriggerSavepointAsync(stop));

    /// <summary>Waits until savepoint <paramref name="id"/> is done; one that failed throws its reason.</summary>
    public async Task<SavepointInfo> WaitForSavepointAsync(long id) =>
        await Eventually.ValueAsync(() => Savepoints.WaitForSavepointAsync(id, TimeSpan.FromSeconds(2)), s => s is not null, $"savepoint {id} of {job}") ?? throw new InvalidOperationException();

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
