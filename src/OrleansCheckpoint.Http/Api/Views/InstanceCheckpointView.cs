namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>An instance's snapshot for a checkpoint: times (ms) and size.</summary>
internal sealed record InstanceCheckpointView(
    string Operator,
    int Partition,
    double SyncMs,
    double AsyncMs,
    double AlignmentMs,
    double StartDelayMs,
    long SizeBytes,
    string Checksum);
