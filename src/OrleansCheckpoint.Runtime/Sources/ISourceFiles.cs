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
