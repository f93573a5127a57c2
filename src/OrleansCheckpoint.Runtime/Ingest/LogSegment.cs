using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Ingest;

/// <summary>
/// One segment of an ingest log: consecutive push batches, starting at <see cref="StartOffset"/> (in events), written by
/// the deployment of generation <see cref="Writer"/> (0 in segments written before writers were recorded). A segment with
/// no batches is a claim: the writer that opened the log last marks its end as its own (see <see cref="IngestLog"/>).
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record LogSegment(
    [property: Id(0)] long StartOffset,
    [property: Id(1)] IReadOnlyList<PushBatch> Batches,
    [property: Id(2)] long Writer = 0)
{
    public long EventCount => Batches.Sum(b => (long)b.Lines.Length);

    public bool IsClaim => Batches.Count == 0;
}
