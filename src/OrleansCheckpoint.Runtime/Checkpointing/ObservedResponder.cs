using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>Passes an instance's acknowledgements on, and tells <paramref name="acknowledged"/> of each (its metrics keep the last snapshot's figures).</summary>
internal sealed class ObservedResponder(ICheckpointResponder inner, Action<SnapshotHandle> acknowledged) : ICheckpointResponder
{
    public Task AcknowledgeAsync(SnapshotHandle handle)
    {
        acknowledged(handle);
        return inner.AcknowledgeAsync(handle);
    }

    public Task DeclineAsync(long checkpointId, string reason, bool superseded) => inner.DeclineAsync(checkpointId, reason, superseded);
}
