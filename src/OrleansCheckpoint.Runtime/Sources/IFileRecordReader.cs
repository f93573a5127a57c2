namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>Reads a file's records in order, from a position, holding only a buffer of the file in memory.</summary>
internal interface IFileRecordReader : IAsyncDisposable
{
    /// <summary>The next record, or null at the end of the file.</summary>
    ValueTask<FileRecord?> NextAsync(CancellationToken cancellation);
}
