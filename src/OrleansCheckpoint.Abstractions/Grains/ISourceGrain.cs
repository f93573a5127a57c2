using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Grains;

/// <summary>
/// What a client may ask one operator instance (key: <c>job/operator/partition</c>, see <see cref="TaskId"/>); the
/// runtime's own protocol with it (deploy, deliver, checkpoint, cancel) is internal to the silos.
/// </summary>
public interface IOperatorInstanceGrain : IGrainWithStringKey
{
    /// <summary>This instance's figures (records in and out, rates, watermark, backpressure, last snapshot).</summary>
    Task<InstanceMetrics> GetInstanceMetricsAsync();
}

/// <summary>A source partition (key: <c>job/source/partition</c>): where clients push events.</summary>
public interface ISourceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Accepts a batch of events. The call completes once every event is parsed and queued for processing;
    /// while the job is busy it waits (backpressure). A malformed event rejects the whole batch with
    /// <see cref="Errors.InvalidEventsException"/> naming the line. A producer's batches must come in order of their
    /// sequence: one below the producer's last is refused with <see cref="Errors.PushOutOfOrderException"/>.
    /// </summary>
    Task<PushResult> PushAsync(PushBatch batch);

    /// <summary>
    /// The sequence of the last batch this partition accepted from <paramref name="producerId"/> (0 if none, or if it
    /// was forgotten after <c>OrleansCheckpoint:Ingest:ProducerRetention</c>): a producer that resumes under a kept id
    /// numbers its next batch one above it.
    /// </summary>
    Task<long> GetProducerSequenceAsync(string producerId);
}
