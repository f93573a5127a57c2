namespace OrleansCheckpoint.Http.Api.Views;

/// <summary><c>POST /jobs/{job}/checkpoints</c>: the checkpoint triggered.</summary>
internal sealed record TriggeredCheckpointView(long CheckpointId);
