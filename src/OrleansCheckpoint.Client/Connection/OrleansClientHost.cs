using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Azure.Data.Tables;
using Orleans.Configuration;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Security;

namespace OrleansCheckpoint.Client;

/// <summary>
/// An Orleans client connected to a cluster — through the gateways listed, or those its Azure Table membership lists —
/// with the results stream provider configured. When the silo it talks to dies, calls move to another live gateway
/// (a call in flight fails and is retried by whoever made it). Connecting fails fast with
/// <see cref="ClusterUnreachableException"/>; disposing disconnects.
/// </summary>
internal static class OrleansClientHost
{
    /// <summary>How long connecting may take before the gateways count as unreachable (a dead gateway in a list costs a few seconds).</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often a client that reads membership asks it for the live gateways (Orleans' default is a minute).</summary>
    private static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Starts a host with an Orleans client connected to the cluster of <paramref name="settings"/>; <paramref name="logging"/> sets up its logging (none by default).</summary>
    public static async Task<IHost> ConnectAsync(ConnectionSettings settings, Action<ILoggingBuilder>? logging, CancellationToken cancellation)
    {
        var endpoints = settings.MembershipStorage is null
            ? await Task.WhenAll(settings.Gateways.Addresses.Select(g => g.ResolveAsync(cancellation)))
            : [];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.UseOrleansClient(client =>
        {
            if (settings.MembershipStorage is { } storage)
            {
                client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(storage));
                client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod);
            }
            else
            {
                client.UseStaticClustering(endpoints);
            }

            if (settings.ResponseTimeout is { } responseTimeout)
            {
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
            }

            client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ServiceId;
                })
                .AddMemoryStreams(ResultsStream.ProviderName)
                .UseCheckpointTlsWhenConfigured();
        });
        var host = builder.Build();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(deadline.Token);
            return host;
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            await StopAsync(host);
            throw await UnreachableAsync(settings, endpoints, e);
        }
        catch
        {
            await StopAsync(host);
            throw;
        }
    }

    /// <summary>
    /// The error for gateways the client could not connect to. If one of them accepts TCP connections something listens
    /// there but refused this client, most likely a silo of another cluster id.
    /// </summary>
    private static async Task<ClusterUnreachableException> UnreachableAsync(ConnectionSettings settings, IReadOnlyList<IPEndPoint> endpoints, Exception cause)
    {
        if (settings.MembershipStorage is not null)
        {
            return new ClusterUnreachableException(
                $"cannot reach a silo of cluster '{settings.ClusterId}' through the membership table of --membership-storage: " +
                $"is a silo running with Silo:Clustering=AzureTable on that storage account? ({ExceptionCauses.FirstLine(cause.Message)})",
                cause);
        }

        var listening = (await Task.WhenAll(endpoints.Select(AcceptsTcpAsync))).Any(accepts => accepts);
        var at = endpoints.Count == 1 ? $"at {settings.Gateways}" : $"at any of {settings.Gateways}";
        var message = listening
            ? $"cannot connect to the silo {at}: it refused this client; " +
              $"do --cluster-id '{settings.ClusterId}' and --service-id '{settings.ServiceId}' match its Silo:ClusterId and Silo:ServiceId? " +
              $"Does it require TLS (Silo:Tls), and does {TlsSettings.ClientCertificateVariable} name a certificate it accepts?"
            : $"cannot reach a silo {at}: is one running? (dotnet run --project silo)";
        return new ClusterUnreachableException(message, cause);
    }

    private static async Task<bool> AcceptsTcpAsync(IPEndPoint endpoint)
    {
        using var probe = new TcpClient(endpoint.AddressFamily);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await probe.ConnectAsync(endpoint, deadline.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Disconnects (best effort: the silo may already be gone) and disposes <paramref name="host"/>.</summary>
    public static async Task StopAsync(IHost host)
    {
        using var deadline = new CancellationTokenSource(DisconnectTimeout);
        try
        {
            await host.StopAsync(deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            // Disconnecting is best effort: the silo may already be gone.
        }
        finally
        {
            host.Dispose();
        }
    }
}
