using System.Diagnostics;
using System.Threading.Channels;
using Orleans.Streams;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Results;

/// <summary>
/// A subscription to a job's results stream: every record (a JSON string) that the job commits from now on
/// lands in <see cref="Records"/>, in the order it arrives, once: a batch re-published after a recovery (same
/// sink, partition and checkpoint) is dropped. <see cref="Records"/> holds at most <see cref="Capacity"/> records:
/// while it is full, the stream's delivery waits (backpressure). Disposing unsubscribes.
/// </summary>
internal sealed class ResultsSubscription : IAsyncDisposable
{
    /// <summary>How many records may wait for the reader.</summary>
    public const int Capacity = 10_000;

    private readonly Channel<string> _records = Channel.CreateBounded<string>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly ResultDeduplicator _seen = new();
    private StreamSubscriptionHandle<ResultBatch>? _handle;
    private long _lastArrival = Stopwatch.GetTimestamp();

    private ResultsSubscription()
    {
    }

    public ChannelReader<string> Records => _records.Reader;

    /// <summary>How long ago the last batch of results arrived (or the subscription started).</summary>
    public TimeSpan SinceLastArrival => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastArrival));

    public static async Task<ResultsSubscription> SubscribeAsync(IClusterClient client, string job)
    {
        var subscription = new ResultsSubscription();
        var stream = client.GetStreamProvider(ResultsStream.ProviderName).GetStream<ResultBatch>(StreamId.Create(ResultsStream.Namespace, job));
        subscription._handle = await stream.SubscribeAsync(subscription.OnNextAsync);
        return subscription;
    }

    public async ValueTask DisposeAsync()
    {
        _records.Writer.TryComplete();
        if (_handle is { } handle)
        {
            _handle = null;
            try
            {
                await handle.UnsubscribeAsync();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The silo is gone; so is the subscription.
            }
        }
    }

    private async Task OnNextAsync(ResultBatch batch, StreamSequenceToken? token)
    {
        lock (_seen)
        {
            if (!_seen.IsFirstSeen(batch))
            {
                return;
            }
        }

        Interlocked.Exchange(ref _lastArrival, Stopwatch.GetTimestamp());
        foreach (var record in batch.Records)
        {
            // Waits while the reader is behind; after disposal (the reader is done) the rest is dropped.
            while (!_records.Writer.TryWrite(record))
            {
                if (!await _records.Writer.WaitToWriteAsync())
                {
                    return;
                }
            }
        }

        Interlocked.Exchange(ref _lastArrival, Stopwatch.GetTimestamp());
    }
}
