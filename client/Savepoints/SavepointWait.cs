using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Savepoints;

/// <summary>Takes a savepoint (or stops with one) and waits until it is done, asking every few seconds (no call waits for long).</summary>
internal static class SavepointWait
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    public static async Task<SavepointInfo> TakeAsync(ISavepointGrain savepoints, string job, bool stop, TimeSpan timeout, CancellationToken cancellation)
    {
        var id = await savepoints.TriggerSavepointAsync(stop);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (await savepoints.WaitForSavepointAsync(id, Poll) is { } done)
            {
                return done;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new ClientException(
                    $"savepoint {id} of job '{job}' did not complete within {timeout.TotalSeconds:0} s; it may still complete (see `client savepoints {job}`), or time out as a checkpoint would.");
            }
        }
    }
}
