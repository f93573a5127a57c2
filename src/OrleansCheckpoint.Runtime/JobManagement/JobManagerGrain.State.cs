using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>Writing the job's persisted state.</summary>
internal sealed partial class JobManagerGrain
{
    /// <summary>
    /// Writes the job's state. A write whose answer was lost may have landed after all: the stored ETag is then ahead
    /// of this activation's, and every later write would fail the same way. The activation ends (Orleans' advice for
    /// <see cref="InconsistentStateException"/>); the next call, a source's watchdog or the supervision reminder brings
    /// the manager back with the state as stored, and it resumes the job from there. Orleans already deactivates a
    /// grain when the exception leaves a grain call; this also covers the writes of the supervision timer (restarts,
    /// recovery), which are not grain calls.
    /// </summary>
    private async Task WriteStateAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException e)
        {
            LogStateConflict(logger, e, Job);
            DeactivateOnIdle();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: its stored state changed under this activation (a write whose answer was lost?); it deactivates and reads it again")]
    private static partial void LogStateConflict(ILogger logger, Exception exception, string job);
}
