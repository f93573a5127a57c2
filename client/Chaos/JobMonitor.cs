using System.Diagnostics;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>Polls a job's status every 100 ms while a chaos seed runs, so that each fault's recovery can be timed afterwards.</summary>
internal sealed class JobMonitor : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private readonly List<Sample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;

    public JobMonitor(IJobManagerGrain job, Stopwatch clock) => _polling = PollAsync(job, clock);

    /// <summary>What the job said at a moment (seconds on the run's clock).</summary>
    public sealed record Sample(double At, JobStatus Status, long Generation, int Restarts);

    public IReadOnlyList<Sample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>
    /// The time from <paramref name="injectedAt"/> to the job running again after the restart it caused, if it caused one
    /// before <paramref name="until"/>: null when the job did not restart (the fault was absorbed without a rollback).
    /// </summary>
    public double? RecoveryMs(double injectedAt, double until)
    {
        var samples = Samples;
        var before = samples.LastOrDefault(s => s.At <= injectedAt)?.Restarts ?? 0;
        var restarted = samples.FirstOrDefault(s => s.At > injectedAt && s.At < until && s.Restarts > before);
        if (restarted is null)
        {
            return null;
        }

        var running = samples.FirstOrDefault(s => s.At >= restarted.At && s.Status == JobStatus.Running);
        return running is null ? null : (running.At - injectedAt) * 1000;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _stop.Dispose();
    }

    private async Task PollAsync(IJobManagerGrain job, Stopwatch clock)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var info = await job.GetInfoAsync().WaitAsync(TimeSpan.FromSeconds(1), _stop.Token); // a call to a silo that just died gets no answer: ask again
                lock (_samples)
                {
                    _samples.Add(new Sample(clock.Elapsed.TotalSeconds, info.Status, info.Generation, info.Restarts));
                }

                await Task.Delay(Period, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The manager's silo just died, or the answer took too long: ask again.
            }
        }
    }
}
