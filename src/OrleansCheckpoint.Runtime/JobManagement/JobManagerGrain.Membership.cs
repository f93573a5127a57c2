using Microsoft.Extensions.Logging;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.JobManagement;

/// <summary>
/// The job manager's view of the cluster: which silo hosts each instance of the running generation (looked up
/// once per generation), and Orleans' cluster membership. When a silo hosting instances is declared dead the job
/// rolls back at once, with the silo named in the failure — not only once a fresh activation of a lost instance
/// gets data or answers a heartbeat. On a failure, a host silo that refuses connections (no process listens on its
/// port: it is gone) is declared dead at once, so the recovery does not wait seconds for membership's probes to
/// evict it before the lost instances can be placed elsewhere.
/// </summary>
internal sealed partial class JobManagerGrain
{
    private Dictionary<TaskId, SiloAddress> _hosts = [];
    private long _hostsGeneration;
    private bool _hostsLookupInFlight;
    private CancellationTokenSource? _membershipWatch;

    // The hosts of the last generation that failed, and a silo death among them heard of after its recovery began.
    private (long Generation, Dictionary<TaskId, SiloAddress> Hosts)? _failedHosts;
    private string? _lateDeadSilo;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _membershipWatch?.Cancel();
        _membershipWatch?.Dispose();
        _membershipWatch = null;
        StopObservingMetrics();
        return Task.CompletedTask;
    }

    /// <summary>Starts following membership updates (once per activation); they are handled in this activation's turns.</summary>
    private void WatchMembership()
    {
        if (_membershipWatch is null)
        {
            _membershipWatch = new CancellationTokenSource();
            _ = WatchMembershipAsync(_membershipWatch.Token);
        }
    }

    private async Task WatchMembershipAsync(CancellationToken cancellation)
    {
        var known = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(cancellation))
            {
                var dead = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Dead && known.Add(m.SiloAddress)).Select(m => m.SiloAddress).ToHashSet();
                var generation = S.Generation;
                if (dead.Count == 0)
                {
                    continue;
                }

                // An instance that finished its input (in a drain) has nothing left to lose.
                var unfinished = _hosts.Where(h => !S.FinishedTasks.Contains(h.Key.GrainKey)).ToDictionary();
                if (S.Status is JobStatus.Running or JobStatus.Draining && _hostsGeneration == generation && Describe(unfinished, dead) is { } reason)
                {
                    LogSiloDead(logger, Job, generation, reason);

                    // Through a grain call, so that it is handled in turn like any other report.
                    await GrainFactory.GetGrain<IJobManagerGateway>(Job).ReportFailureAsync(unfinished.First(h => dead.Contains(h.Value)).Key, generation, reason);
                }
                else if (_failedHosts is { } failed && Describe(failed.Hosts, dead) is { } late)
                {
                    // The generation it hosted already failed (its lost instances were found first): the next
                    // supervision tick adds the silo to the recorded failure.
                    _lateDeadSilo = late;
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // deactivating
        }
        catch (Exception e)
        {
            LogMembershipWatchFailed(logger, e, Job);
            _membershipWatch = null; // the next supervision tick starts over
        }
    }

    /// <summary>Which of <paramref name="dead"/> hosted instances among <paramref name="hosts"/>, in words; null if none did.</summary>
    private static string? Describe(Dictionary<TaskId, SiloAddress> hosts, HashSet<SiloAddress> dead)
    {
        var lost = hosts.Where(h => dead.Contains(h.Value)).GroupBy(h => h.Value, h => h.Key).ToList();
        return lost.Count == 0 ? null : string.Join("; ", lost.Select(g => $"silo {g.Key} was declared dead; it hosted {string.Join(", ", g)}"));
    }

    /// <summary>Remembers the hosts of the generation that is failing, so a silo death heard of later is still recorded.</summary>
    private void RememberFailedHosts()
    {
        if (_hostsGeneration == S.Generation && _hosts.Count > 0)
        {
            _failedHosts = (S.Generation, _hosts);
        }
    }

    /// <summary>Adds a silo death heard of after the recovery it caused began to the recorded failure (in a supervision turn).</summary>
    private async Task RecordLateDeadSiloAsync()
    {
        if (_lateDeadSilo is { } late && S.LastFailure is { } last)
        {
            _lateDeadSilo = null;
            if (!last.Contains(late, StringComparison.Ordinal))
            {
                S.LastFailure = $"{last} ({late})";
                await WriteStateAsync();
            }
        }
    }

    /// <summary>Asks every instance of <paramref name="generation"/> which silo it is active on.</summary>
    private async Task LookUpHostsAsync(long generation)
    {
        try
        {
            var tasks = Plan().AllTasks.ToList();
            var silos = await Task.WhenAll(tasks.Select(t => Operator(t).GetSiloAsync()));
            if (generation == S.Generation)
            {
                _hosts = tasks.Zip(silos).ToDictionary(p => p.First, p => p.Second);
                _hostsGeneration = generation;
            }
        }
        catch (Exception e)
        {
            LogHostsLookupFailed(logger, e, Job); // asked again at the next tick
        }
        finally
        {
            _hostsLookupInFlight = false;
        }
    }

    /// <summary>
    /// <paramref name="reason"/>, naming the silos of this generation's instances that membership declared dead: a
    /// heartbeat or a fresh activation may find the lost instances before this silo hears of the death, so the
    /// membership table is read again when no silo is known dead yet.
    /// </summary>
    private async Task<string> WithDeadHostsAsync(string reason)
    {
        if (_hostsGeneration != S.Generation || _hosts.Count == 0)
        {
            return reason;
        }

        await EvictGoneHostsAsync(_hosts.Values);
        bool IsDead(SiloAddress silo) => membership.CurrentSnapshot.GetSiloStatus(silo) == SiloStatus.Dead;
        if (!_hosts.Values.Any(IsDead))
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await membership.Refresh(default, timeout.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogMembershipRefreshFailed(logger, e, Job); // the reason goes without the silo
            }
        }

        var dead = _hosts.Where(h => IsDead(h.Value) && !reason.Contains(h.Value.ToString(), StringComparison.Ordinal))
            .GroupBy(h => h.Value, h => h.Key)
            .Select(g => $"silo {g.Key} was declared dead; it hosted {string.Join(", ", g)}")
            .ToList();
        return dead.Count == 0 ? reason : $"{reason} ({string.Join("; ", dead)})";
    }

    /// <summary>Declares dead the hosts among <paramref name="hosts"/> whose process is gone (see <see cref="Recovery.GoneSilos"/>).</summary>
    private Task EvictGoneHostsAsync(IEnumerable<SiloAddress> hosts) => goneSilos.EvictAsync(hosts, $"it hosted instances of job '{Job}'");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} generation {Generation}: {Reason}")]
    private static partial void LogSiloDead(ILogger logger, string job, long generation, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: following the cluster membership failed; it starts over")]
    private static partial void LogMembershipWatchFailed(ILogger logger, Exception exception, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: reading the cluster membership failed")]
    private static partial void LogMembershipRefreshFailed(ILogger logger, Exception exception, string job);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: looking up the silos of its instances failed")]
    private static partial void LogHostsLookupFailed(ILogger logger, Exception exception, string job);
}
