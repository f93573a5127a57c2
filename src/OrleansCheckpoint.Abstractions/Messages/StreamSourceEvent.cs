namespace OrleansCheckpoint.Messages;

/// <summary>
/// An event published onto an Orleans stream that a job reads with <c>JobBuilder.FromOrleansStream</c>: one line (JSON
/// for the shipped parsers) with the identity that makes it exactly-once. The stream's own sequence tokens cannot be
/// used for that: Azure Queue streams number messages as a pulling agent reads them, so a message delivered again
/// after a silo died (or after its visibility timeout) carries a new token.
/// <para>
/// The producer's contract: <paramref name="ProducerId"/> is stable (persist it if the producer restarts and resends),
/// and numbers the events it publishes to one stream 1, 2, 3, … without a gap; a failed publish is retried with the
/// same id and number (resending one that did arrive is harmless: it is recognised and logged once). Events may
/// arrive out of order (a redelivered message after newer ones): they are held back durably until the missing
/// numbers arrive. A number that never comes holds the producer's later events back for good, so a producer that
/// loses its count starts over under a new id.
/// </para>
/// </summary>
/// <param name="ProducerId">The producer's stable id.</param>
/// <param name="Sequence">The event's number among the producer's events on this stream: 1, 2, 3, …</param>
/// <param name="Line">The event, parsed by the source's parse function.</param>
[GenerateSerializer, Immutable]
public sealed record StreamSourceEvent(
    [property: Id(0)] string ProducerId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] string Line);
