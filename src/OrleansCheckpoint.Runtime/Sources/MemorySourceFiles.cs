using System.Collections.Concurrent;

namespace OrleansCheckpoint.Runtime.Sources;

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
