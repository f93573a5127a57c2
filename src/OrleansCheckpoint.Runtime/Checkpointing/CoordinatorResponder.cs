using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>Reports one execution's part of checkpoints to its job's coordinator, under the generation it was deployed for.</summary>
internal sealed class CoordinatorResponder(IGrainFactory grains, TaskId task, long generation) : ICheckpointResponder
{
    private ICheckpointCoordinatorGateway Coordinator => grains.GetGrain<ICheckpointCoordinatorGateway>(task.Job);

    public Task AcknowledgeAsync(SnapshotHandle handle) => Coordinator.AcknowledgeCheckpointAsync(generation, handle);

    public Task DeclineAsync(long checkpointId, string reason, bool superseded) => Coordinator.DeclineCheckpointAsync(generation, task, checkpointId, reason, superseded);
}
