using OrleansCheckpoint.Runtime.Sinks;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// Wraps the part-file store of the file sinks (blobs in Azurite) so a test can hold back the commits of part
/// files: a checkpoint completed, but its sinks have not committed yet. The held commits then go on (the scope is
/// disposed) or fail (<see cref="HeldCreates.Fail"/>: as if their silo had died before writing).
/// </summary>
internal sealed class FaultInjectingOutputFiles(IOutputFiles inner) : IOutputFiles
{
    private static Hold? _hold;

    /// <summary>Part files whose commit the current hold caught so far.</summary>
    public static int Held => _hold?.Held ?? 0;

    /// <summary>Holds back the creation of part files whose path matches <paramref name="match"/> until the returned scope is disposed.</summary>
    public static HeldCreates HoldCreates(Func<string, bool> match)
    {
        var hold = new Hold(match);
        _hold = hold;
        return new HeldCreates(hold);
    }

    public async Task<bool> CreateAsync(string path, BinaryData content, CancellationToken cancellation = default)
    {
        if (_hold is { } hold && hold.Match(path))
        {
            Interlocked.Increment(ref hold.Held);
            if (!await hold.Released.Task)
            {
                throw new IOException($"injected failure: part file {path} was not written");
            }
        }

        return await inner.CreateAsync(path, content, cancellation);
    }

    internal sealed record Hold(Func<string, bool> Match)
    {
        public int Held;

        /// <summary>True: the held creates go on; false: they fail.</summary>
        public TaskCompletionSource<bool> Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A hold of part-file commits; disposing it lets the held ones (and any later ones) go on.</summary>
    public sealed class HeldCreates : IDisposable
    {
        private readonly Hold _hold;

        internal HeldCreates(Hold hold) => _hold = hold;

        /// <summary>Ends the hold: the commits held so far fail, later ones go on.</summary>
        public void Fail()
        {
            Interlocked.CompareExchange(ref FaultInjectingOutputFiles._hold, null, _hold);
            _hold.Released.TrySetResult(false);
        }

        public void Dispose()
        {
            Interlocked.CompareExchange(ref FaultInjectingOutputFiles._hold, null, _hold);
            _hold.Released.TrySetResult(true);
        }
    }
}
