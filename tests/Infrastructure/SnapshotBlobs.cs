using System.Text.RegularExpressions;
using Azure.Storage.Blobs.Models;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// Finds and damages an instance's snapshot blobs in the checkpoints container by listing it, without knowing how the
/// snapshot store names them: a blob is an instance's when its name holds <c>/{job}/{operator}/{partition}</c> not
/// followed by another digit (whole snapshots today, <c>chk-…</c>; index and <c>piece-…</c> blobs once checkpoints
/// are incremental). A piece is preferred to an index, so the damage lands in what a restore reads last.
/// </summary>
public static class SnapshotBlobs
{
    /// <summary>
    /// The blob <paramref name="taskKey"/> wrote last (its newest piece when it has pieces), by the time the storage
    /// stamped on it, then by name (checkpoint ids in names are zero-padded).
    /// </summary>
    public static async Task<string> NewestOfAsync(ClusterFixture fixture, string taskKey)
    {
        var blobs = await OfAsync(fixture, taskKey);
        Assert.True(blobs.Count > 0, $"{taskKey} has snapshot blobs");
        var pieces = blobs.Where(b => b.Name.Contains("piece", StringComparison.OrdinalIgnoreCase)).ToList();
        return (pieces.Count > 0 ? pieces : blobs)
            .OrderBy(b => b.Properties.LastModified)
            .ThenBy(b => b.Name, StringComparer.Ordinal)
            .Last().Name;
    }

    /// <summary>Every blob of <paramref name="taskKey"/>'s snapshots.</summary>
    public static async Task<List<BlobItem>> OfAsync(ClusterFixture fixture, string taskKey)
    {
        var instance = new Regex($"/{Regex.Escape(taskKey)}(?!\\d)");
        var blobs = new List<BlobItem>();
        await foreach (var blob in fixture.Container(fixture.CheckpointsContainer).GetBlobsAsync())
        {
            if (instance.IsMatch(blob.Name))
            {
                blobs.Add(blob);
            }
        }

        return blobs;
    }

    /// <summary>
    /// Flips bytes in the second half of a blob through the Azure SDK (download, then upload under the same name):
    /// past any header, so the blob still looks like a snapshot but fails its checksum.
    /// </summary>
    public static async Task CorruptAsync(ClusterFixture fixture, string blobName)
    {
        var blob = fixture.Container(fixture.CheckpointsContainer).GetBlobClient(blobName);
        var content = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.True(content.Length > 1, $"{blobName} has content to damage");
        for (var i = content.Length / 2; i < content.Length; i += 97)
        {
            content[i] ^= 0xFF;
        }

        await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true);
    }
}
