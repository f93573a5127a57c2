using OrleansCheckpoint.Runtime.Sinks;

namespace OrleansCheckpoint.Runtime.Chaos;

/// <summary>Part files whose creation fails when <see cref="StorageFaults"/> says so.</summary>
internal sealed class ChaosOutputFiles(IOutputFiles inner, StorageFaults faults) : IOutputFiles
{
    public Task<bool> CreateAsync(string path, BinaryData content, CancellationToken cancellation = default)
    {
        faults.ThrowIfFailing(StorageFaultKind.Output, path);
        return inner.CreateAsync(path, content, cancellation);
    }
}
