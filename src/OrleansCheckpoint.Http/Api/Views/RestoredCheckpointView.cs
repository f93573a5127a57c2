namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>A checkpoint the job was deployed from, and when.</summary>
internal sealed record RestoredCheckpointView(long Id, DateTimeOffset? RestoredAt);
