using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Client.Connection;

/// <summary>A cluster client that a command uses until it disposes the connection.</summary>
internal interface IClusterConnection : IAsyncDisposable
{
    IClusterClient Client { get; }
}

/// <summary>How connected commands get their cluster client (<see cref="ClusterConnection.ConnectAsync"/>, unless a test says otherwise).</summary>
internal delegate Task<IClusterConnection> ClusterConnector(ConnectionSettings settings, CancellationToken cancellation);

/// <summary>
/// An Orleans client connected to one silo gateway, with the results stream provider configured. Connecting
/// fails fast with <see cref="ClusterUnreachableException"/>; disposing disconnects.
/// </summary>
internal sealed class ClusterConnection : IClusterConnection
{
    /// <summary>Connects to the gateway of <c>--gateway</c>, as the client's commands do.</summary>
    public static ClusterConnector Connector { get; } = async (settings, cancellation) => await ConnectAsync(settings, cancellation);

    /// <summary>How long connecting may take before the gateway counts as unreachable.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    private readonly IHost _host;

    private ClusterConnection(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    public static async Task<ClusterConnection> ConnectAsync(ConnectionSettings settings, CancellationToken cancellation)
    {
        var endpoint = await settings.Gateway.ResolveAsync(cancellation);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddClientConsoleLogging();
        builder.UseOrleansClient(client => client
            .UseStaticClustering(endpoint)
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            })
            .AddMemoryStreams(ResultsStream.ProviderName)
            .UseCheckpointTlsWhenConfigured());
        var host = builder.Build();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(deadline.Token);
            return new ClusterConnection(host);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            await StopAsync(host);
            throw await UnreachableAsync(settings, endpoint, e);
        }
        catch
        {
            await StopAsync(host);
            throw;
        }
    }

    /// <summary>
    /// The error for a gateway the client could not connect to. If the port accepts TCP connections something
    /// listens there but refused this client, most likely a silo of another cluster id.
    /// </summary>
    private static async Task<ClusterUnreachableException> UnreachableAsync(ConnectionSettings settings, IPEndPoint endpoint, Exception cause)
    {
        var message = await AcceptsTcpAsync(endpoint)
            ? $"cannot connect to the silo at {settings.Gateway}: it refused this client; " +
              $"do --cluster-id '{settings.ClusterId}' and --service-id '{settings.ServiceId}' match its Silo:ClusterId and Silo:ServiceId? " +
              $"Does it require TLS (Silo:Tls), and does {TlsSettings.ClientCertificateVariable} name a certificate it accepts?"
            : $"cannot reach a silo at {settings.Gateway}: is one running? (dotnet run --project silo)";
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

    public async ValueTask DisposeAsync() => await StopAsync(_host);

    private static async Task StopAsync(IHost host)
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
