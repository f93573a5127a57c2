using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OrleansCheckpoint.Errors;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>The files a file source reads: blobs listed by prefix and read from an offset, in pieces.</summary>
internal interface ISourceFiles
{
    /// <summary>The container of a file source whose location names none (<c>/prefix</c>): the silo's input container.</summary>
    string InputContainer { get; }

    /// <summary>The names of the files in <paramref name="container"/> that start with <paramref name="prefix"/>, in ordinal order.</summary>
    IAsyncEnumerable<string> ListAsync(string container, string prefix, CancellationToken cancellation);

    /// <summary>A stream of file <paramref name="name"/> from byte <paramref name="offset"/> on, that reads the blob a buffer at a time.</summary>
    Task<Stream> OpenReadAsync(string container, string name, long offset, CancellationToken cancellation);
}

/// <summary>Source files as blobs of the silo's storage account.</summary>
internal sealed class BlobSourceFiles(BlobServiceClient blobs, string inputContainer = "orleans-checkpoint-input") : ISourceFiles
{
    /// <summary>How much of a blob one read request fetches.</summary>
    private const int ReadBufferBytes = 1 << 20;

    public string InputContainer => inputContainer;

    public async IAsyncEnumerable<string> ListAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var pages = blobs.GetBlobContainerClient(container).GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Length == 0 ? null : prefix, cancellation);
        await using var names = pages.GetAsyncEnumerator(cancellation);
        while (true)
        {
            try
            {
                if (!await names.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                throw new StreamJobException($"The file source's container '{container}' does not exist.");
            }

            yield return names.Current.Name;
        }
    }

    public async Task<Stream> OpenReadAsync(string container, string name, long offset, CancellationToken cancellation) =>
        await blobs.GetBlobContainerClient(container).GetBlobClient(name).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { Position = offset, BufferSize = ReadBufferBytes }, cancellation);
}

/// <summary>Source files in memory (storage kind Memory, unit tests).</summary>
internal sealed class MemorySourceFiles(string inputContainer = "orleans-checkpoint-input") : ISourceFiles
{
    public string InputContainer => inputContainer;

    public ConcurrentDictionary<(string Container, string Name), byte[]> Files { get; } = new();

    public IAsyncEnumerable<string> ListAsync(string container, string prefix, CancellationToken cancellation) =>
        Files.Keys.Where(k => k.Container == container && k.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(k => k.Name).Order(StringComparer.Ordinal).ToAsyncEnumerable();

    public Task<Stream> OpenReadAsync(string container, string name, long offset, CancellationToken cancellation)
    {
        var content = Files[(container, name)];
        return Task.FromResult<Stream>(new MemoryStream(content, (int)offset, content.Length - (int)offset, writable: false));
    }
}
