using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>A job in the list of jobs.</summary>
internal sealed record JobOverview(
    string Name,
    JobStatus Status,
    long Generation,
    int Restarts,
    int Parallelism,
    DateTimeOffset? StartedAt,
    long? LastCompletedCheckpoint);
