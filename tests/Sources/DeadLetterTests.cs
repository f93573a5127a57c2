using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Runtime.Sources;
using OrleansCheckpoint.Tests.Infrastructure;
using Xunit;

namespace OrleansCheckpoint.Tests.Sources;

/// <summary>
/// The dead-letter facility: where a location string points, how a letter is written, and that writing the same letters
/// again (a replay after a restore) stores nothing twice, in memory and against Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeadLetterTests(AzuriteFixture azurite)
{
    private static readonly TaskId Source = new("dl-job", "files", 1);

    [Theory]
    [InlineData(null, "out", "dead-letters")]
    [InlineData("bad-records", "bad-records", "")]
    [InlineData("bad-records/", "bad-records", "")]
    [InlineData("bad-records/team/a/", "bad-records", "team/a")]
    public void A_location_names_a_container_and_a_prefix_and_none_means_dead_letters_in_the_output_container(string? value, string container, string prefix) =>
        Assert.Equal(new DeadLetterLocation(container, prefix), DeadLetterLocation.Parse(value, "out"));

    [Theory]
    [InlineData("")]
    [InlineData("/prefix")]
    [InlineData("Upper/prefix")]
    [InlineData("a/prefix")]
    [InlineData("two--hyphens")]
    public void A_location_that_does_not_start_with_a_container_name_is_refused_naming_it(string value) =>
        Assert.Contains(value.Split('/')[0] is { Length: > 0 } c ? c : "''", Assert.Throws<FormatException>(() => DeadLetterLocation.Parse(value, "out")).Message, StringComparison.Ordinal);

    [Fact]
    public void A_letters_blob_is_named_by_job_source_origin_and_zero_padded_position()
    {
        var location = new DeadLetterLocation("c", "p/q");
        var letter = new DeadLetter("in/day-1.jsonl", 42, "{oops", "JsonException: bad");

        Assert.Equal("p/q/dl-job/files/in/day-1.jsonl/000000000042.jsonl", location.BlobName("dl-job", "files", letter));
        Assert.Equal("dl-job/files/x/000000000007.jsonl", new DeadLetterLocation("c", string.Empty).BlobName("dl-job", "files", letter with { Origin = "/x", Position = 7 }));
    }

    [Fact]
    public async Task A_letter_is_one_json_line_with_job_source_origin_position_record_and_error()
    {
        var store = new MemoryDeadLetterStore();
        var letter = new DeadLetter("in/a.csv", 3, "x,\"y", "BadDataException: quote");

        Assert.Equal(1, await new DeadLetterWriter(store, new DeadLetterLocation("c", "dl"), Source).WriteAsync([letter], CancellationToken.None));

        var (key, content) = Assert.Single(store.Blobs);
        Assert.Equal(("c", "dl/dl-job/files/in/a.csv/000000000003.jsonl"), key);
        var line = content.ToString();
        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(letter, DeadLetter.FromJsonLine(line));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("dl-job", json.RootElement.GetProperty("job").GetString());
        Assert.Equal("files", json.RootElement.GetProperty("source").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("partition").GetInt32());
    }

    [Fact]
    public async Task Writing_the_same_letters_again_stores_each_once_and_counts_only_new_ones()
    {
        var store = new MemoryDeadLetterStore();
        var writer = new DeadLetterWriter(store, new DeadLetterLocation("c", "dl"), Source);
        var letters = Enumerable.Range(1, 20).Select(n => new DeadLetter("f", n, $"bad {n}", "e")).ToList();

        Assert.Equal(20, await writer.WriteAsync(letters, CancellationToken.None));
        Assert.Equal(5, await writer.WriteAsync([.. letters[15..], .. Enumerable.Range(21, 5).Select(n => new DeadLetter("f", n, $"bad {n}", "e"))], CancellationToken.None));

        Assert.Equal(25, store.Blobs.Count);
    }

    [Fact]
    public async Task Against_blob_storage_the_container_is_created_and_a_replayed_letter_keeps_the_first_write()
    {
        var blobs = StorageConnection.CreateBlobServiceClient(azurite.ConnectionString);
        var container = $"dl-{Guid.NewGuid():N}"[..20];
        var facility = new DeadLetters(new BlobDeadLetterStore(blobs), "unused");
        var writer = facility.WriterFor(Source, $"{container}/bad");
        var letter = new DeadLetter("in/a.jsonl", 9, "{", "first");

        Assert.Equal(1, await writer.WriteAsync([letter], CancellationToken.None));
        Assert.Equal(0, await writer.WriteAsync([letter with { Error = "second" }], CancellationToken.None));

        var names = new List<string>();
        await foreach (var blob in blobs.GetBlobContainerClient(container).GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        var name = Assert.Single(names);
        Assert.Equal("bad/dl-job/files/in/a.jsonl/000000000009.jsonl", name);
        var stored = (await blobs.GetBlobContainerClient(container).GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString();
        Assert.Equal("first", DeadLetter.FromJsonLine(stored).Error);
        await blobs.GetBlobContainerClient(container).DeleteAsync();
    }

    [Fact]
    public void Job_metrics_sum_the_dead_letters_of_their_instances() =>
        Assert.Equal(5, (new JobMetrics(1, 1, 0, 0, DeadLetters: 2) + new JobMetrics(0, 0, 0, 0, DeadLetters: 3)).DeadLetters);
}
