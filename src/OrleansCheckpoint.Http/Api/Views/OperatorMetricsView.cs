using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>
/// An operator (chain) of a job: its instances' figures, and their sums (records, rates, state), minimum
/// (watermark) and maximum (backpressure).
/// </summary>
internal sealed record OperatorMetricsView(
    string Uid,
    IReadOnlyList<string> Chain,
    int Parallelism,
    IReadOnlyList<OperatorInput> Inputs,
    long RecordsIn,
    long RecordsOut,
    double RecordsInPerSecond,
    double RecordsOutPerSecond,
    long? CurrentInputWatermark,
    double BackPressuredTimeMsPerSecond,
    long StateSizeBytes,
    IReadOnlyList<InstanceMetrics> Instances);
