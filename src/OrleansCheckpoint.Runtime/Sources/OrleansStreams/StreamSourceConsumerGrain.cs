using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Runtime.Sources.OrleansStreams;

/// <summary>The consumer of the streams (of every namespace a job's source reads) that share one stream key.</summary>
internal interface IStreamSourceConsumerGrain : IGrainWithStringKey;

/// <summary>
/// Reads, through an implicit subscription, every stream whose namespace a registered job's source reads
/// (<see cref="JobStreamSubscriptionsAttribute"/>): one activation per stream key, for every such namespace and provider.
/// Each <see cref="StreamSourceEvent"/> is handed to a <see cref="StreamEventForwarder"/>, and the stream's handler
/// completes only once the event is in the source's ingest log (or durably parked): Orleans' pulling agent deletes an
/// Azure Queue message only after its delivery completed, so nothing is acknowledged that a replay could miss. A
/// failed delivery (the job is restarting or not running, a write failed) throws: the agent retries it, and failing
/// that leaves the message in the queue, where it becomes visible again.
/// </summary>
[JobStreamSubscriptions]
internal sealed partial class StreamSourceConsumerGrain(
    [PersistentState("stream-source", CheckpointSiloBuilderExtensions.JobStorageName)] IPersistentState<ParkedStreamEvents> parked,
    StreamSourceDirectory directory,
    Metrics.StreamMetrics metrics,
    ILogger<StreamSourceConsumerGrain> logger) : Grain, IStreamSourceConsumerGrain, IStreamSubscriptionObserver
{
    /// <summary>At most this many events are parked per stream key; an event beyond it is left in the queue.</summary>
    internal const int MaxParked = 10_000;

    private StreamEventForwarder? _forwarder;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _forwarder = new StreamEventForwarder(new GrainTargets(GrainFactory), parked.State, parked.WriteStateAsync, MaxParked);
        return Task.CompletedTask;
    }

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var stream = handleFactory.StreamId;
        var routes = directory.RoutesOf(handleFactory.ProviderName, stream.GetNamespace() ?? string.Empty);
        var handle = handleFactory.Create<object>();
        await handle.ResumeAsync((item, _) => OnNextAsync(stream, routes, item));
    }

    private async Task OnNextAsync(StreamId stream, IReadOnlyList<StreamSourceRoute> routes, object item)
    {
        if (routes.Count == 0)
        {
            return; // a namespace a job reads, but on a provider it does not read
        }

        var key = stream.GetKeyAsString();
        if (item is not StreamSourceEvent e)
        {
            // Not acknowledged: the producer broke the contract, and the event must not be lost (it stays in the queue).
            LogNotAnEnvelope(logger, stream.ToString(), item?.GetType().FullName ?? "null");
            throw new StreamJobException(
                $"Stream {stream} carries a {item?.GetType().Name ?? "null"}; a job's stream source reads {nameof(StreamSourceEvent)}s (a line, the producer's id and number).");
        }

        foreach (var route in routes)
        {
            var outcome = await _forwarder!.ForwardAsync(route, key, e);
            metrics.StreamEventsDelivered.Add(
                1, new System.Diagnostics.TagList { { "job", route.Job }, { "operator", route.SourceUid }, { "outcome", outcome.ToString().ToLowerInvariant() } });
            if (outcome == ForwardOutcome.Parked)
            {
                LogParked(logger, route.Job, route.SourceUid, stream.ToString(), e.ProducerId, e.Sequence);
            }
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Stream {Stream} carries a {Type}, not a StreamSourceEvent: it is left in the queue")]
    private static partial void LogNotAnEnvelope(ILogger logger, string stream, string type);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "{Job}/{Source}: event {Sequence} of producer {Producer} on stream {Stream} arrived before an earlier one and is held back")]
    private static partial void LogParked(ILogger logger, string job, string source, string stream, string producer, long sequence);

    /// <summary>The running jobs' source partitions, through grain calls.</summary>
    private sealed class GrainTargets(IGrainFactory grains) : IStreamSourceTargets
    {
        private readonly Dictionary<string, (int Parallelism, DateTime Until)> _parallelism = [];

        public async Task<int> ParallelismOfAsync(StreamSourceRoute route)
        {
            if (_parallelism.TryGetValue(route.Job, out var known) && known.Until > DateTime.UtcNow)
            {
                return known.Parallelism;
            }

            var info = await grains.GetGrain<IJobManagerGrain>(route.Job).GetInfoAsync();
            if (info.Status != JobStatus.Running)
            {
                throw new JobNotRunningException(route.Job, info.Status.ToString());
            }

            var source = info.Operators.FirstOrDefault(o => o.Chain.Contains(route.SourceUid))
                ?? throw new StreamJobException($"Job '{route.Job}' runs no source '{route.SourceUid}'.");
            _parallelism[route.Job] = (source.Parallelism, DateTime.UtcNow.AddSeconds(1));
            return source.Parallelism;
        }

        public Task<PushResult> PushAsync(TaskId partition, PushBatch batch) => grains.GetGrain<ISourceGrain>(partition.GrainKey).PushAsync(batch);
    }
}
