using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>
/// Publishes records as JSON on the job's results stream, one stream item per committed transaction, tagged
/// with its checkpoint id so that a re-publication after a failure can be recognised by subscribers.
/// </summary>
internal sealed class ResultsStreamSink<T>(ResultsStreamSinkTransformation<T> sink) : TwoPhaseCommitSink<T, List<string>>(sink)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    protected override List<string> Begin() => [];

    protected override void Stage(List<string> transaction, T value) => transaction.Add(JsonSerializer.Serialize(value, Json));

    protected override bool IsEmpty(List<string> transaction) => transaction.Count == 0;

    protected override void Append(List<string> into, List<string> later) => into.AddRange(later);

    /// <summary>The most characters in one stream item: Orleans' stream cache silently drops items over about 1 MB.</summary>
    private const int MaxChunkChars = 256 * 1024;

    protected override async Task CommitAsync(int partition, long checkpointId, bool final, List<string> transaction)
    {
        if (final)
        {
            // A final commit holds what arrived after the last checkpoint, in an order that may differ when a drain
            // starts over: sorted, it is cut into the same chunks every time, which subscribers drop repeats of.
            transaction = [.. transaction.Order(StringComparer.Ordinal)];
        }

        var chunk = 0;
        var start = 0;
        while (start < transaction.Count)
        {
            var end = start;
            for (var chars = 0; end < transaction.Count && (end == start || chars + transaction[end].Length <= MaxChunkChars); end++)
            {
                chars += transaction[end].Length;
            }

            await Context.Results.PublishAsync(new ResultBatch(sink.Uid, partition, transaction[start..end].ToArray(), checkpointId, final, chunk++));
            start = end;
        }

        Context.Counters.ResultsEmitted += transaction.Count;
    }
}
