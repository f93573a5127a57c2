using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Http.Hosting;
using OrleansCheckpoint.Jobs;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Security;
using Xunit;

namespace OrleansCheckpoint.Tests.Http;

/// <summary>
/// A silo with <c>Silo:Tls</c> set takes only TLS clients that present a certificate it accepts: the cluster's own
/// (self-signed) certificate lets a client in; no certificate, or another self-signed one, does not.
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private const string Password = "local-dev";
    private readonly string _folder = Directory.CreateTempSubdirectory("orleans-checkpoint-tls-").FullName;
    private WebApplication? _silo;
    private int _gateway;

    public async Task InitializeAsync()
    {
        var ports = HttpSiloFixture.FreeLoopbackPorts(2);
        _gateway = ports[1];
        _silo = HttpSiloFixture.BuildSilo(
            new Dictionary<string, string?>
            {
                ["Silo:SiloPort"] = $"{ports[0]}",
                ["Silo:GatewayPort"] = $"{ports[1]}",
                ["Silo:ClusterId"] = "tls",
                ["Silo:ServiceId"] = "tls",
                ["Silo:Tls:CertificatePath"] = WriteCertificate("cluster.pfx"),
                ["Silo:Tls:CertificatePassword"] = Password,
                [$"{CheckpointHttpOptions.SectionName}:Port"] = "0",
                [$"{OrleansCheckpointOptions.SectionName}:Storage:Kind"] = "Memory",
            },
            ShippedJobs.All);
        await _silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync(CancellationToken.None);
            await _silo.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_client_with_the_clusters_certificate_connects_and_lists_the_jobs()
    {
        await using var client = await ConnectAsync(new TlsSettings { CertificatePath = Path.Combine(_folder, "cluster.pfx"), CertificatePassword = Password });

        var jobs = await client.Services.GetRequiredService<IClusterClient>().GetGrain<IJobCatalogGrain>(0).ListAsync();
        Assert.Equal(ShippedJobs.All.Keys.Order(), jobs.Select(j => j.Name).Order());
    }

    [Fact]
    public async Task A_client_without_a_certificate_cannot_connect()
    {
        var failure = await Record.ExceptionAsync(async () =>
        {
            await using var client = await ConnectAsync(null);
            await client.Services.GetRequiredService<IClusterClient>().GetGrain<IJobCatalogGrain>(0).ListAsync();
        });

        Assert.NotNull(failure);
    }

    [Fact]
    public async Task A_client_with_another_self_signed_certificate_cannot_connect()
    {
        var other = new TlsSettings { CertificatePath = WriteCertificate("other.pfx"), CertificatePassword = Password };
        var failure = await Record.ExceptionAsync(async () =>
        {
            await using var client = await ConnectAsync(other);
            await client.Services.GetRequiredService<IClusterClient>().GetGrain<IJobCatalogGrain>(0).ListAsync();
        });

        Assert.NotNull(failure);
    }

    private async Task<AsyncHost> ConnectAsync(TlsSettings? tls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, _gateway))
                .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("tls", "tls"))
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            if (tls is not null)
            {
                client.UseCheckpointTls(tls);
            }
        });
        var host = builder.Build();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await host.StartAsync(deadline.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new AsyncHost(host);
    }

    /// <summary>A self-signed certificate with its key, for server and client authentication, as a PKCS#12 file.</summary>
    private string WriteCertificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=orleans-checkpoint-local", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("orleans-checkpoint-local");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    private sealed class AsyncHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            try
            {
                await host.StopAsync(TimeSpan.FromSeconds(2));
            }
            finally
            {
                host.Dispose();
            }
        }
    }
}
