using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansCheckpoint.Http.Health;

/// <summary>Ready when this silo is an active member of its cluster (it can take grain calls).</summary>
internal sealed class SiloActiveHealthCheck(ILocalSiloDetails silo, IClusterMembershipService membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} is active")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {status}, not active"));
    }
}
