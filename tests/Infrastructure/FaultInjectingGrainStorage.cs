using Orleans.Storage;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// A grain storage that passes every call to the real one (Azure Blob on Azurite), except that a test can
/// hold writes back until it releases them, or make them fail. The cluster fixture makes it the storage that
/// snapshots are written through (OrleansCheckpoint:Storage:CheckpointProvider), and wraps the job storage
/// (job managers' state, result tables) with it too.
/// </summary>
public sealed class FaultInjectingGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public const string Name = "faulty-checkpoints";

    private static readonly object Sync = new();
    private static Fault? _fault;
    private static Fault? _readFault;

    /// <summary>Writes that matched the current fault so far (held or failed).</summary>
    public static int Matched => _fault?.Matched ?? 0;

    /// <summary>
    /// Holds back the writes that match <paramref name="match"/> (state name, grain key) until the returned scope is
    /// disposed (they go on) or failed (<see cref="Scope.Fail"/>: they fail, as if their silo had died before writing).
    /// </summary>
    public static Scope HoldWrites(Func<string, string, bool> match) => Install(new Fault(match, Fail: false));

    /// <summary>Fails the writes that match <paramref name="match"/> until the returned scope is disposed.</summary>
    public static Scope FailWrites(Func<string, string, bool> match) => Install(new Fault(match, Fail: true));

    /// <summary>
    /// Lets the first write that matches <paramref name="match"/> land, then answers it with an error, as when a
    /// storage call's answer is lost: the writer still holds the ETag it had, which the stored state no longer has.
    /// </summary>
    public static Scope LoseAnswer(Func<string, string, bool> match) => Install(new Fault(match, Fail: false) { LoseAnswer = true });

    /// <summary>Holds back the reads that match <paramref name="match"/> (state name, grain key) until the returned scope is disposed.</summary>
    public static Scope HoldReads(Func<string, string, bool> match) => Install(new Fault(match, Fail: false) { Reads = true });

    /// <summary>The real provider still takes part in the silo's start-up (it initialises its container there).</summary>
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var fault = _readFault;
        if (fault is not null && fault.Match(stateName, grainId.Key.ToString()!))
        {
            Interlocked.Increment(ref fault.Matched);
            if (!await fault.Released.Task)
            {
                throw new IOException($"injected storage failure: a held read of {stateName} of {grainId} was not done");
            }
        }

        await inner.ReadStateAsync(stateName, grainId, grainState);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var fault = _fault;
        if (fault is not null && fault.Match(stateName, grainId.Key.ToString()!))
        {
            if (fault.LoseAnswer)
            {
                if (Interlocked.Increment(ref fault.Matched) == 1)
                {
                    var etag = grainState.ETag;
                    await inner.WriteStateAsync(stateName, grainId, grainState);
                    grainState.ETag = etag;
                    throw new IOException($"injected storage failure: the answer to a write of {stateName} of {grainId} was lost (it landed)");
                }

                await inner.WriteStateAsync(stateName, grainId, grainState);
                return;
            }

            Interlocked.Increment(ref fault.Matched);
            if (fault.Fail)
            {
                throw new IOException($"injected storage failure writing {stateName} of {grainId}");
            }

            if (!await fault.Released.Task)
            {
                throw new IOException($"injected storage failure: a held write of {stateName} of {grainId} was not done");
            }

            await inner.WriteStateAsync(stateName, grainId, grainState);
            Interlocked.Increment(ref fault.Written);
            return;
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

    private static Scope Install(Fault fault)
    {
        lock (Sync)
        {
            if (fault.Reads)
            {
                _readFault = fault;
            }
            else
            {
                _fault = fault;
            }
        }

        return new Scope(fault);
    }

    internal sealed record Fault(Func<string, string, bool> Match, bool Fail)
    {
        public bool LoseAnswer { get; init; }

        public bool Reads { get; init; }

        public int Matched;

        public int Written;

        /// <summary>True: held writes go on; false: they fail.</summary>
        public TaskCompletionSource<bool> Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>An installed fault; disposing it removes the fault and lets held writes go on.</summary>
    public sealed class Scope : IDisposable
    {
        private readonly Fault _fault;

        internal Scope(Fault fault) => _fault = fault;

        /// <summary>Writes that matched this fault (held or failed).</summary>
        public int Matched => Volatile.Read(ref _fault.Matched);

        /// <summary>Held writes that reached the real storage after their release.</summary>
        public int Written => Volatile.Read(ref _fault.Written);

        /// <summary>Removes the fault; the writes it held fail.</summary>
        public void Fail() => End(go: false);

        public void Dispose() => End(go: true);

        private void End(bool go)
        {
            lock (Sync)
            {
                if (FaultInjectingGrainStorage._fault == _fault)
                {
                    FaultInjectingGrainStorage._fault = null;
                }

                if (_readFault == _fault)
                {
                    _readFault = null;
                }
            }

            _fault.Released.TrySetResult(go);
        }
    }
}
