namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Where a file source reads and what it does with records it cannot parse. Files are blobs of the silo's storage
/// account (Azurite on a developer machine) whose names start with a prefix; each is read once, and must be complete
/// when it appears (upload it whole, or under another prefix and copy it in): a file is never read again once read.
/// </summary>
/// <param name="Location">
/// <c>container/prefix</c>: the blob container and the prefix of the files' names (may be empty); or <c>/prefix</c>: the
/// prefix in the silo's input container (<c>OrleansCheckpoint:Storage:InputContainer</c>, default <c>orleans-checkpoint-input</c>).
/// </param>
public sealed record FileSourceSettings(string Location)
{
    /// <summary>
    /// Null (the default): the source reads the files present when each instance starts, then ends its input, and the
    /// job finishes by itself. Otherwise the source lists the prefix again this often for files that appeared since,
    /// and runs until stopped.
    /// </summary>
    public TimeSpan? DiscoveryInterval { get; init; }

    /// <summary>
    /// <c>container/prefix</c> where records the parse function rejects go, one JSON line each; null (the default):
    /// <c>dead-letters</c> in the silo's output container.
    /// </summary>
    public string? DeadLetters { get; init; }

    /// <summary>CSV only: whether each file's first row names the columns (default true). Without a header, every row is a record.</summary>
    public bool CsvHeader { get; init; } = true;

    /// <summary>The container named by <see cref="Location"/>; empty for the silo's input container.</summary>
    public string Container => Location.Split('/', 2)[0];

    /// <summary>The prefix named by <see cref="Location"/> (empty: the whole container).</summary>
    public string Prefix => Location.Split('/', 2) is [_, var prefix] ? prefix.TrimStart('/') : string.Empty;
}
