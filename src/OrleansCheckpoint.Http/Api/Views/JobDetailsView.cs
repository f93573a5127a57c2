using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary><c>GET /jobs/{job}</c>: a job's status, its operators with their instances, and the checkpoints restores skipped as unreadable.</summary>
internal sealed record JobDetailsView(
    string Name,
    JobStatus Status,
    long Generation,
    int Parallelism,
    DateTimeOffset? StartedAt,
    int Restarts,
    long? RestoredCheckpoint,
    long? LastCompletedCheckpoint,
    string? LastFailure,
    string? FailureReason,
    bool DrainRequested,
    string? CoordinatorSilo,
    string? RestartStrategy,
    IReadOnlyList<OperatorView> Operators,
    IReadOnlyList<SkippedCheckpoint> SkippedCheckpoints);
