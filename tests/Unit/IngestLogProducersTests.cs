using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Ingest;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// A source a rescale added opens its partition's log at the end it had when the job started, with no checkpoint to say
/// which producers pushed there: the log tells them from what it still holds, and replays only what follows the start.
/// </summary>
public sealed class IngestLogProducersTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public async Task A_log_opened_at_an_offset_to_learn_the_whole_log_knows_the_producers_before_it_and_replays_only_what_follows()
    {
        var store = new MemorySegmentStore();
        var log = new IngestLog(store, Serializer);
        await log.OpenAsync(0, null, generation: 1, CancellationToken.None);
        await log.AppendAsync([Batch("p", 1, 3), Batch("q", 1, 2)], CancellationToken.None);
        await log.AppendAsync([Batch("p", 2, 4)], CancellationToken.None);
        await log.AppendAsync([Batch("r", 1, 1)], CancellationToken.None);

        var told = new IngestLog(store, Serializer);
        var replay = await told.OpenAsync(9, null, generation: 2, CancellationToken.None, learnWholeLog: true);
        Assert.Equal(["r"], replay.Select(b => b.ProducerId));
        Assert.Equal(new Dictionary<string, long> { ["p"] = 2, ["q"] = 1, ["r"] = 1 }, told.ProducerSequences);
        Assert.True(told.Contains(Batch("p", 2, 4))); // a retry of what was logged before the start is recognised

        var untold = new IngestLog(store, Serializer);
        await untold.OpenAsync(9, null, generation: 3, CancellationToken.None);
        Assert.False(untold.Contains(Batch("p", 2, 4))); // without: the producer would be taken for a new one
    }

    private static PushBatch Batch(string producer, long sequence, int lines) =>
        new(producer, sequence, 0, [.. Enumerable.Range(0, lines).Select(i => $"{producer}{sequence}.{i}")]);
}
