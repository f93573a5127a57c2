namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>Where dead letters are stored: create-only blobs, so writing one twice keeps the first.</summary>
internal interface IDeadLetterStore
{
    /// <summary>Creates blob <paramref name="name"/> of <paramref name="container"/>; false if it exists already (written before).</summary>
    Task<bool> CreateAsync(string container, string name, BinaryData content, CancellationToken cancellation);
}
