namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>An instance's snapshot for a checkpoint: times (ms), the bytes it wrote and the full size of its state.</summary>
internal sealed record InstanceCheckpointView(
    string Operator,
    int Partition,
    double SyncMs,
    double AsyncMs,
    double AlignmentMs,
    double StartDelayMs,
    long SizeBytes,
    string Checksum,
    long FullSizeBytes);
