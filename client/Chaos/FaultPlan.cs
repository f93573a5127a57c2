using OrleansCheckpoint.Runtime.Chaos;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>The faults <c>client chaos</c> injects.</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL of a silo process (any, the client's gateways included), and a new silo started in its place.</summary>
    KillSilo,

    /// <summary>SIGKILL of the silo that hosts the job's manager (and checkpoint coordinator), and a new silo started in its place.</summary>
    KillManagerSilo,

    /// <summary>An operator instance deactivated: it loses its in-memory state, as when its silo dies.</summary>
    DeactivateInstance,

    /// <summary>The next storage writes of one kind fail, on every silo.</summary>
    FailStorageWrites,
}

/// <summary>One fault of a seed's schedule: what, and when — after how many pushed events have been acknowledged.</summary>
/// <param name="Kind">What.</param>
/// <param name="AtEvent">When: once this many events were acknowledged.</param>
/// <param name="Target">Which silo (an index into the live ones) or instance (an index into the job's instances).</param>
/// <param name="Storage">With <see cref="FaultKind.FailStorageWrites"/>: the writes that fail.</param>
/// <param name="Count">With <see cref="FaultKind.FailStorageWrites"/>: how many of them fail on each silo.</param>
internal sealed record PlannedFault(FaultKind Kind, long AtEvent, int Target, StorageFaultKind Storage = default, int Count = 0)
{
    public string Describe(IReadOnlyList<string> instances) => Kind switch
    {
        FaultKind.KillSilo => $"SIGKILL silo #{Target + 1} of the live ones",
        FaultKind.KillManagerSilo => "SIGKILL the job manager's silo",
        FaultKind.DeactivateInstance => $"deactivate {instances[Target % instances.Count]}",
        _ => $"fail the next {Count} {Storage.ToString().ToLowerInvariant()} write{(Count == 1 ? string.Empty : "s")} on every silo",
    };
}

/// <summary>A seed's fault schedule: the same for the same seed, events and silos, whatever the machine.</summary>
internal static class FaultPlan
{
    public static IReadOnlyList<PlannedFault> For(int seed, long events, int silos)
    {
        var random = new Random(unchecked((seed * 7919) + 17));
        var count = 3 + random.Next(3);
        var faults = new List<PlannedFault>();
        for (var i = 0; i < count; i++)
        {
            // Spread over the push, between 10% and 90% of the events, one per slice.
            var slice = 0.8 / count;
            var at = (long)(events * (0.1 + (slice * i) + (slice * random.NextDouble() * 0.8)));
            var roll = random.NextDouble();
            faults.Add(roll switch
            {
                < 0.3 => new PlannedFault(FaultKind.KillSilo, at, random.Next(silos)),
                < 0.4 => new PlannedFault(FaultKind.KillManagerSilo, at, 0),
                < 0.7 => new PlannedFault(FaultKind.DeactivateInstance, at, random.Next(1_000)),
                _ => new PlannedFault(FaultKind.FailStorageWrites, at, 0, (StorageFaultKind)random.Next(4), 1 + random.Next(3)),
            });
        }

        return faults;
    }
}
