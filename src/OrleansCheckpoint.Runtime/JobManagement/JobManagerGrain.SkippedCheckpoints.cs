using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// The restore's fallbacks, kept in the job's state: each retained checkpoint a restore passed over because a
/// snapshot of it was missing or corrupt, why, and what was restored instead (<see cref="JobInfo.SkippedCheckpoints"/>).
/// </summary>
internal sealed partial class JobManagerGrain
{
    /// <summary>How many skipped checkpoints the job's state keeps.</summary>
    public const int SkippedCheckpointHistory = 20;

    /// <summary>Adds the checkpoints a restore skipped, newest first (the state is written by the caller).</summary>
    private void RecordSkippedCheckpoints(IReadOnlyList<(long Id, string Reason)> skipped, long? restoredFrom)
    {
        var now = DateTimeOffset.UtcNow;
        S.SkippedCheckpoints.InsertRange(0, skipped.Select(s => new SkippedCheckpoint(s.Id, s.Reason, now, restoredFrom)));
        if (S.SkippedCheckpoints.Count > SkippedCheckpointHistory)
        {
            S.SkippedCheckpoints.RemoveRange(SkippedCheckpointHistory, S.SkippedCheckpoints.Count - SkippedCheckpointHistory);
        }

        // The exception history's entry of the failure being recovered from says which checkpoints its restart skipped.
        if (restoredFrom is not null && S.Failures is [{ Restarted: true, RunningAgainAt: null } recovering, ..])
        {
            S.Failures[0] = recovering with { SkippedCheckpoints = skipped.Select(s => s.Id).ToList() };
        }
    }
}

/// <summary>No retained checkpoint of a job can be read: the job fails (restarting cannot mend a corrupt snapshot).</summary>
[GenerateSerializer]
internal sealed class UnreadableCheckpointsException : Errors.StreamJobException
{
    public UnreadableCheckpointsException(string message)
        : base(message)
    {
    }
}
