namespace OrleansCheckpoint.Messages;

/// <summary>
/// A batch of events pushed by a client to one source partition: raw lines (JSON lines for the shipped jobs).
/// <paramref name="ProducerId"/> and <paramref name="Sequence"/> identify the batch so a retried push can be
/// recognised; <paramref name="FirstLine"/> is the line number of the first line in the producer's input, so
/// errors can name the line.
/// </summary>
/// <param name="ProducerId">The producer (one per client process and source partition).</param>
/// <param name="Sequence">The batch's number for its producer: 1, 2, 3, …</param>
/// <param name="FirstLine">The 1-based line number of <c>Lines[0]</c> in the producer's input.</param>
/// <param name="Lines">The events, one per line.</param>
[GenerateSerializer, Immutable]
public sealed record PushBatch(
    [property: Id(0)] string ProducerId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] long FirstLine,
    [property: Id(3)] string[] Lines);

/// <summary>The answer to a push: every event of the batch is durable in the source's ingest log and will be processed.</summary>
/// <param name="Accepted">The number of events accepted.</param>
/// <param name="Duplicate">True when the log already held this (producer, sequence): a retry; nothing was added.</param>
[GenerateSerializer, Immutable]
public sealed record PushResult([property: Id(0)] int Accepted, [property: Id(1)] bool Duplicate = false);

/// <summary>Where a client pushes the events of a job: the source operator and its partitions.</summary>
/// <param name="Job">The job.</param>
/// <param name="SourceUid">The source operator's uid.</param>
/// <param name="Parallelism">The number of source partitions.</param>
/// <param name="MaxBatchEvents">The largest batch a source partition accepts.</param>
[GenerateSerializer, Immutable]
public sealed record PushRoute(
    [property: Id(0)] string Job,
    [property: Id(1)] string SourceUid,
    [property: Id(2)] int Parallelism,
    [property: Id(3)] int MaxBatchEvents)
{
    /// <summary>The source task of <paramref name="partition"/>.</summary>
    public TaskId Partition(int partition) => new(Job, SourceUid, partition);
}
