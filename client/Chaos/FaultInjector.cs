using System.Diagnostics;
using Orleans.Core.Internal;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>One fault as it was injected: its plan, what it hit, and when (seconds on the run's clock).</summary>
internal sealed record InjectedFault(PlannedFault Plan, string Target, double At);

/// <summary>
/// Injects a seed's faults one after another, each once the push has had its moment's events acknowledged. A killed
/// silo is replaced by a new process a second later (the cluster keeps its size).
/// </summary>
internal sealed class FaultInjector(ChaosCluster cluster, IGrainFactory grains, IReadOnlyList<PlannedFault> plan, IReadOnlyList<string> instances, Stopwatch clock)
{
    private static readonly TimeSpan RestartAfter = TimeSpan.FromSeconds(1);
    private readonly List<InjectedFault> _injected = [];
    private readonly Lock _sync = new();
    private Task _chain = Task.CompletedTask;
    private int _next;

    public IReadOnlyList<InjectedFault> Injected
    {
        get
        {
            lock (_sync)
            {
                return [.. _injected];
            }
        }
    }

    /// <summary>The push has had <paramref name="acknowledged"/> events acknowledged: faults due by then are queued.</summary>
    public void OnAcknowledged(long acknowledged)
    {
        lock (_sync)
        {
            while (_next < plan.Count && plan[_next].AtEvent <= acknowledged)
            {
                var fault = plan[_next++];
                _chain = _chain.ContinueWith(_ => InjectOrRecordAsync(fault), TaskScheduler.Default).Unwrap();
            }
        }
    }

    /// <summary>Queues the faults not due yet (the push ended first) and waits until every fault was injected.</summary>
    public Task FinishAsync()
    {
        OnAcknowledged(long.MaxValue);
        lock (_sync)
        {
            return _chain;
        }
    }

    private async Task InjectOrRecordAsync(PlannedFault fault)
    {
        try
        {
            await InjectAsync(fault);
        }
        catch (Exception e)
        {
            Record(fault, $"could not be injected: {ErrorCauses.FirstLine(e.Message)}", clock.Elapsed.TotalSeconds);
        }
    }

    private async Task InjectAsync(PlannedFault fault)
    {
        var at = clock.Elapsed.TotalSeconds;
        string target;
        switch (fault.Kind)
        {
            case FaultKind.KillSilo or FaultKind.KillManagerSilo:
                var victim = fault.Kind == FaultKind.KillSilo ? cluster.Kill(fault.Target) : cluster.Kill(await ManagerSiloAsync());
                target = $"{victim.Name} (pid {victim.ProcessId})";
                Record(fault, target, at);
                await Task.Delay(RestartAfter);
                var replacement = await cluster.StartSiloAsync(CancellationToken.None);
                lock (_sync)
                {
                    _injected[^1] = _injected[^1] with { Target = $"{target}, replaced by {replacement.Name}" };
                }

                return;
            case FaultKind.DeactivateInstance:
                target = instances[fault.Target % instances.Count];
                await new PushRetryPolicy(TimeSpan.FromSeconds(30)).ExecuteAsync(
                    async () =>
                    {
                        await grains.GetGrain<IOperatorInstanceGrain>(target).Cast<IGrainManagementExtension>().DeactivateOnIdle();
                        return true;
                    },
                    null,
                    CancellationToken.None);
                break;
            default:
                cluster.FailStorageWrites(fault.Storage, fault.Count);
                target = $"{fault.Count} {fault.Storage.ToString().ToLowerInvariant()} write(s) per silo";
                break;
        }

        Record(fault, target, at);
    }

    /// <summary>The index among the live silos of the one the job manager is active on (it is activated if it was not).</summary>
    private async Task<int> ManagerSiloAsync()
    {
        var manager = grains.GetGrain<IJobManagerGrain>(instances[0].Split('/')[0]);
        var address = await new PushRetryPolicy(TimeSpan.FromSeconds(30)).ExecuteAsync(
            async () =>
            {
                await manager.GetInfoAsync();
                return await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(manager);
            },
            null,
            CancellationToken.None);
        var index = cluster.Silos.ToList().FindIndex(s => s.SiloPort == address?.Endpoint.Port);
        return index >= 0 ? index : throw new InvalidOperationException($"the job manager is active on {address}, which is not a silo of this run");
    }

    private void Record(PlannedFault fault, string target, double at)
    {
        lock (_sync)
        {
            _injected.Add(new InjectedFault(fault, target, at));
        }
    }
}
