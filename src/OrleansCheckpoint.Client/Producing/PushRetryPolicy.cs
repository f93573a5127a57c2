using System.Diagnostics;
using Orleans.Serialization;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Client;

/// <summary>
/// When a failed push is pushed again — with the same producer id and sequence, so the source recognises a
/// batch its log already holds and acknowledges it as a duplicate instead of adding it twice. A push is retried
/// after 100 ms, 200 ms, 400 ms … (at most 2 s apart) until <see cref="RetryFor"/> has passed since its first
/// failure. Errors that another attempt cannot fix are not retried: a batch the job refuses, a job that does not
/// exist or is not running (unless it is <see cref="JobStatus.Restarting"/>), and errors of the client itself. A push
/// the silo cancelled (its source instance was cancelled by a recovery while the push waited) is retried; a
/// cancellation of the push itself is not.
/// </summary>
internal sealed class PushRetryPolicy(TimeSpan retryFor)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public TimeSpan RetryFor { get; } = retryFor;

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, again after each failure this policy retries; the last error
    /// is thrown when it is not to be retried (any more). <paramref name="onRetry"/> hears of each retry before its wait:
    /// the error and the retry's number (1, 2, …).
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<Task<T>> attempt, Action<Exception, int>? onRetry, CancellationToken cancellation)
    {
        var retries = 0;
        var failingSince = 0L;
        while (true)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when (IsRetryable(e) || IsCancelledBySilo(e, cancellation))
            {
                cancellation.ThrowIfCancellationRequested();
                failingSince = retries == 0 ? Stopwatch.GetTimestamp() : failingSince;
                if (NextDelay(retries, Stopwatch.GetElapsedTime(failingSince)) is not { } delay)
                {
                    if (IsCancelledBySilo(e, cancellation))
                    {
                        throw new ClientException(
                            $"the job's source cancelled the push (the job was rolling back) and did not accept it again within {DurationText.Format(RetryFor)} (--retry-for)", e);
                    }

                    throw;
                }

                retries++; // not inside onRetry?.Invoke(…): with no listener its arguments are not evaluated
                onRetry?.Invoke(e, retries);
                await Task.Delay(delay, cancellation);
            }
        }
    }

    /// <summary>
    /// The wait before the next attempt of a push that failed <paramref name="retries"/> + 1 times, the first of them
    /// <paramref name="failingFor"/> ago; <c>null</c> when the time to retry is up. The last wait ends at the deadline.
    /// </summary>
    public TimeSpan? NextDelay(int retries, TimeSpan failingFor)
    {
        var remaining = RetryFor - failingFor;
        if (remaining <= TimeSpan.Zero)
        {
            return null;
        }

        var backoff = TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << Math.Min(retries, 8), MaxDelay.Ticks));
        return backoff < remaining ? backoff : remaining;
    }

    /// <summary>Whether another attempt may succeed where <paramref name="error"/> failed.</summary>
    public static bool IsRetryable(Exception error) => Errors.ExceptionCauses.Find<StreamJobException>(error) switch
    {
        JobNotRunningException notRunning => notRunning.Status == nameof(JobStatus.Restarting),
        InvalidEventsException or BatchTooLargeException or PushOutOfOrderException or JobNotFoundException or InvalidJobSettingsException => false,
        StreamJobException => true, // an instance failed: the job restores its last checkpoint and replays its log
        null => !IsClientSide(error), // the connection, a silo, a timeout, storage…
    };

    /// <summary>Whether <paramref name="error"/> is a cancellation that came from the silo, not from <paramref name="cancellation"/>.</summary>
    public static bool IsCancelledBySilo(Exception error, CancellationToken cancellation) =>
        error is OperationCanceledException && !cancellation.IsCancellationRequested;

    // Errors of this process that another attempt would meet again.
    private static bool IsClientSide(Exception error) =>
        error is ClientException or ArgumentException or EventProducerException or OperationCanceledException or ObjectDisposedException or OrleansLifecycleCanceledException or SerializerException;
}
