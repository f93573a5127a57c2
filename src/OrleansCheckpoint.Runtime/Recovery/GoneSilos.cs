using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace OrleansCheckpoint.Runtime.Recovery;

/// <summary>
/// Declares dead, at once, a silo whose process is gone: one that refuses TCP connections on its silo port (nothing
/// listens there). Orleans' membership would evict it too, but only after its probes time out (seconds), and until then
/// the grains it hosted cannot be activated elsewhere, so a job cannot recover. A silo that does not answer in time is
/// left to membership: it may be slow or far, not dead. Silos that do not talk TCP (an in-process test cluster's) refuse
/// every connection: a silo whose own port refuses one never declares anything dead this way.
/// </summary>
internal sealed partial class GoneSilos(IClusterMembershipService membership, ILocalSiloDetails self, ILogger<GoneSilos> logger)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromMilliseconds(500);
    private bool? _listening; // whether this silo's own port takes TCP connections

    /// <summary>Declares dead each of <paramref name="silos"/> (not dead yet) that refuses connections; returns whether any was.</summary>
    public async Task<bool> EvictAsync(IEnumerable<SiloAddress> silos, string why)
    {
        _listening ??= !await RefusesConnectionsAsync(self.SiloAddress.Endpoint);
        if (_listening is false)
        {
            return false;
        }

        var evicted = false;
        foreach (var silo in silos.Distinct().Where(s => membership.CurrentSnapshot.GetSiloStatus(s) is not SiloStatus.Dead))
        {
            if (!await RefusesConnectionsAsync(silo.Endpoint))
            {
                continue;
            }

            LogEvicting(logger, silo, why);
            try
            {
                evicted |= await membership.TryKill(silo);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogEvictionFailed(logger, e, silo); // membership's probes will evict it
            }
        }

        return evicted;
    }

    private static async Task<bool> RefusesConnectionsAsync(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Silo} refuses connections (its process is gone): declaring it dead ({Why})")]
    private static partial void LogEvicting(ILogger logger, SiloAddress silo, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare silo {Silo} dead; membership's probes will")]
    private static partial void LogEvictionFailed(ILogger logger, Exception exception, SiloAddress silo);
}
