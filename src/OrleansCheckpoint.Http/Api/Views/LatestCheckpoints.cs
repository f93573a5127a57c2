namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>The newest completed and failed checkpoints, and the checkpoint restored last.</summary>
internal sealed record LatestCheckpoints(CheckpointView? Completed, CheckpointView? Failed, RestoredCheckpointView? Restored);
