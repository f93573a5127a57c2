using System.Collections.Concurrent;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>Dead letters in memory (storage kind Memory, unit tests).</summary>
internal sealed class MemoryDeadLetterStore : IDeadLetterStore
{
    public ConcurrentDictionary<(string Container, string Name), BinaryData> Blobs { get; } = new();

    public Task<bool> CreateAsync(string container, string name, BinaryData content, CancellationToken cancellation) =>
        Task.FromResult(Blobs.TryAdd((container, name), content));
}
