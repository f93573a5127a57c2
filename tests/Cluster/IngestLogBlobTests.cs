using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Ingest;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Cluster;

/// <summary>The ingest log's single-writer rule on real blob storage (Azurite): its conditions are the blob service's ETags.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IngestLogBlobTests(ClusterFixture fixture)
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public async Task On_blob_storage_a_writer_that_opened_before_a_newer_one_is_fenced_and_an_older_generation_cannot_open()
    {
        var container = fixture.Container(fixture.IngestContainer);
        await container.CreateIfNotExistsAsync();
        var partition = new TaskId("blob-fence", "events", 0);
        IngestLog Log() => new(new BlobSegmentStore(container, partition), Serializer, $"the ingest log of {partition}");

        var stale = Log();
        await stale.OpenAsync(0, null, generation: 3, CancellationToken.None);
        await stale.AppendAsync([new PushBatch("p", 1, 1, ["a", "b"])], CancellationToken.None);
        var current = Log();
        Assert.Equal(["a", "b"], (await current.OpenAsync(0, null, generation: 4, CancellationToken.None)).SelectMany(b => b.Lines));

        var fenced = await Assert.ThrowsAsync<IngestLogFencedException>(() => stale.AppendAsync([new PushBatch("p", 2, 1, ["c"])], CancellationToken.None));
        Assert.Contains($"The ingest log of {partition} was written at offset 2 by another writer", fenced.Message);
        await current.AppendAsync([new PushBatch("q", 1, 1, ["d"])], CancellationToken.None);
        var older = await Assert.ThrowsAsync<IngestLogFencedException>(() => Log().OpenAsync(0, null, generation: 3, CancellationToken.None));
        Assert.Contains("is written by generation 4, newer than 3", older.Message);

        Assert.Equal(["a", "b", "d"], (await Log().OpenAsync(0, null, generation: 5, CancellationToken.None)).SelectMany(b => b.Lines));
    }
}
