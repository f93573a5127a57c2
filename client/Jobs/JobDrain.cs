using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Jobs;

/// <summary>Stops a job with a drain and waits until it has processed its whole input.</summary>
internal static class JobDrain
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Calls <c>StopAsync(drain: true)</c>, then polls the job until it is <see cref="JobStatus.Finished"/> (or
    /// <see cref="JobStatus.Failed"/>, or no longer draining) and returns its final state. A job that recovers from
    /// a failure meanwhile (or was recovering when asked) drains once it runs again: that is waited for too. Throws
    /// <see cref="ClientException"/> if it still drains after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<JobInfo> StopAndWaitAsync(IJobManagerGrain job, TimeSpan timeout, CancellationToken cancellation)
    {
        var info = await job.StopAsync(drain: true);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            while (info.Status == JobStatus.Draining || (info.DrainRequested && info.Status is JobStatus.Restarting or JobStatus.Running))
            {
                await Task.Delay(PollInterval, deadline.Token);
                info = await job.GetInfoAsync();
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new ClientException(
                $"job '{info.Name}' did not finish draining within {timeout.TotalSeconds:0.#} s (status: {info.Status}); " +
                $"check `client jobs` later, or stop it at once with `client stop {info.Name}`.");
        }

        return info;
    }
}
