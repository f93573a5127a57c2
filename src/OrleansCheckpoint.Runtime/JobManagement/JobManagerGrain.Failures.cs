using System.Text.RegularExpressions;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Metrics;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// The job manager's exception history (Flink's): each failure with the instances and silos it names and the
/// checkpoint its restart restored, kept in the job's state; and the job's gauges in the silo's metrics.
/// </summary>
internal sealed partial class JobManagerGrain
{
    /// <summary>How many failures the history keeps (Flink's <c>web.exception-history-size</c> is 16 too).</summary>
    public const int FailureHistory = 16;

    private JobGauges? _gauges;

    public Task<IReadOnlyList<JobFailure>> GetFailuresAsync() => Task.FromResult<IReadOnlyList<JobFailure>>([.. S.Failures]);

    /// <summary>Adds <paramref name="cause"/> to the history (the state is written by the caller).</summary>
    private void RecordFailure(string cause, bool restarted)
    {
        var instances = S.Parallelism > 0 ? Plan().AllTasks.Where(t => Names(cause, t.GrainKey)).ToList() : [];
        var silos = instances
            .Select(t => _hostsGeneration == S.Generation && _hosts.TryGetValue(t, out var silo) ? silo.ToString() : null)
            .OfType<string>()
            .Concat(DeadSilo().Matches(cause).Select(m => m.Groups["silo"].Value))
            .Distinct()
            .ToList();
        // Lists of a known type: the job state's JSON names the type of each (a collection expression's would not read back).
        S.Failures.Insert(0, new JobFailure(DateTimeOffset.UtcNow, cause, S.Generation, instances.Select(t => t.GrainKey).ToList(), silos, restarted));
        if (S.Failures.Count > FailureHistory)
        {
            S.Failures.RemoveRange(FailureHistory, S.Failures.Count - FailureHistory);
        }
    }

    /// <summary>The job runs again after its last failure: the history notes when, and from which checkpoint.</summary>
    private void MarkRunningAgain()
    {
        var now = DateTimeOffset.UtcNow;
        if (S.Failures is [{ Restarted: true, RunningAgainAt: null } last, ..])
        {
            S.Failures[0] = last with { RestoredCheckpoint = S.RestoredCheckpoint, RunningAgainAt = now };
        }

        _gauges?.OnRunningAgain(now);
    }

    private void ObserveMetrics()
    {
        _gauges = metrics.AddJob(Job);
        _gauges.Checkpoints = Stats;
        _gauges.SetRestarts(S.Restarts);
        if (S.Status == JobStatus.Restarting && S.Failures is [{ RunningAgainAt: null } last, ..])
        {
            _gauges.OnRestarting(last.Time);
        }
    }

    private void StopObservingMetrics()
    {
        if (_gauges is not null)
        {
            metrics.RemoveJob(_gauges);
        }
    }

    // A task key not followed by another digit (job/op/1 is not job/op/10) nor preceded by a longer name.
    private static bool Names(string text, string key) => Regex.IsMatch(text, $@"(?<![\w/.-]){Regex.Escape(key)}(?!\d)");

    [GeneratedRegex(@"silo (?<silo>\S+) was declared dead")]
    private static partial Regex DeadSilo();
}
