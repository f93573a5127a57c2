using OrleansCheckpoint.Jobs.RequestCounter;
using OrleansCheckpoint.Jobs.Verification;
using OrleansCheckpoint.Runtime.Hosting;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>The two-silo cluster of the offline inspector's tests, with the shipped jobs they inspect under names of their own.</summary>
public sealed class InspectClusterFixture : ClusterFixture
{
    public const string RequestCounter = "inspect-rc";
    public const string Errors = "inspect-errors";
    public const string Corrupt = "inspect-corrupt";
    public const string Verification = "inspect-verify";
    public const string VerificationWhole = "inspect-verify-whole";

    protected override void ConfigureTestSilo(ISiloBuilder silo)
    {
        foreach (var name in new[] { RequestCounter, Errors, Corrupt })
        {
            silo.Services.AddStreamJob(name, () => new RequestCounterJob());
        }

        foreach (var name in new[] { Verification, VerificationWhole })
        {
            silo.Services.AddStreamJob(name, () => new VerificationJob());
        }

        silo.Services.AddStreamJob(AccountBalancesJob.Name, () => new AccountBalancesJob());
    }
}

[CollectionDefinition(Name)]
public sealed class InspectClusterCollection : ICollectionFixture<InspectClusterFixture>
{
    public const string Name = "InspectCluster";
}
