using Orleans.Storage;

namespace OrleansCheckpoint.Runtime.Chaos;

/// <summary>A grain storage whose writes fail when <see cref="StorageFaults"/> says so; everything else goes to the real one.</summary>
internal sealed class ChaosGrainStorage(IGrainStorage inner, StorageFaults faults, StorageFaultKind kind) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        faults.ThrowIfFailing(kind, $"{stateName} of {grainId}");
        return inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}
