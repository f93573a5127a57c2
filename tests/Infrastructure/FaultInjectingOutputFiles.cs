using OrleansCheckpoint.Runtime.Sinks;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// Wraps the part-file store of the file sinks (blobs in Azurite) so a test can hold back the commits of part
/// files until it releases them: a checkpoint completed, but its sinks have not committed yet.
/// </summary>
internal sealed class FaultInjectingOutputFiles(IOutputFiles inner) : IOutputFiles
{
    private static Hold? _hold;

    /// <summary>Part files whose commit the current hold caught so far.</summary>
    public static int Held => _hold?.Held ?? 0;

    /// <summary>Holds back the creation of part files whose path matches <paramref name="match"/> until the returned scope is disposed.</summary>
    public static IDisposable HoldCreates(Func<string, bool> match)
    {
        var hold = new Hold(match);
        _hold = hold;
        return new Scope(hold);
    }

    public async Task<bool> CreateAsync(string path, BinaryData content, CancellationToken cancellation = default)
    {
        if (_hold is { } hold && hold.Match(path))
        {
            Interlocked.Increment(ref hold.Held);
            await hold.Released.Task;
        }

        return await inner.CreateAsync(path, content, cancellation);
    }

    private sealed record Hold(Func<string, bool> Match)
    {
        public int Held;

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Scope(Hold hold) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.CompareExchange(ref _hold, null, hold);
            hold.Released.TrySetResult();
        }
    }
}
