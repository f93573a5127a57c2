using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>
/// <c>GET /jobs/{job}/checkpoints/config</c>: the settings the job runs with (<c>source</c> = <c>job</c>), or the
/// silo's defaults for a job never started (<c>defaults</c>). <c>incremental</c> and <c>consolidateAfter</c>: whether a
/// checkpoint writes only what changed, and after how many pieces an instance's state is merged into one.
/// </summary>
internal sealed record CheckpointConfigView(
    string Source,
    bool Enabled,
    CheckpointMode Mode,
    double IntervalMs,
    double TimeoutMs,
    double MinPauseMs,
    int MaxConcurrent,
    int TolerableFailures,
    int Retained,
    bool Incremental,
    int ConsolidateAfter);
