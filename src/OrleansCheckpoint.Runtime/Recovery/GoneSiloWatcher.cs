using Microsoft.Extensions.Hosting;

namespace OrleansCheckpoint.Runtime.Recovery;

/// <summary>
/// Each silo of a multi-silo cluster tries, every <c>Silo:Membership:GoneSiloProbePeriod</c>, to open a TCP connection to
/// the next few active silos (in address order after its own, as Orleans' probes pick theirs); one that refuses it has no
/// process listening any more and is declared dead at once (<see cref="GoneSilos"/>), seconds before membership's probes
/// would evict it. Orleans' probes still decide about silos that are slow or unreachable.
/// </summary>
internal sealed class GoneSiloWatcher(GoneSilos goneSilos, IClusterMembershipService membership, ILocalSiloDetails self, TimeSpan period) : BackgroundService
{
    private const int Probed = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var active = membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(self.SiloAddress))
                .Select(m => m.SiloAddress)
                .OrderBy(s => s.ToString(), StringComparer.Ordinal)
                .ToList();
            var after = active.FindIndex(s => string.CompareOrdinal(s.ToString(), self.SiloAddress.ToString()) > 0);
            var peers = active.Skip(after < 0 ? 0 : after).Concat(active.Take(after < 0 ? 0 : after)).Take(Probed);
            await goneSilos.EvictAsync(peers, $"probed by {self.SiloAddress}");
        }
    }
}
