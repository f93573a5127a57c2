using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OrleansCheckpoint.Errors;

namespace OrleansCheckpoint.Runtime.Sources;

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
