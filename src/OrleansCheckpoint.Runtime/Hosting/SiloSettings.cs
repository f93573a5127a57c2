using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using OrleansCheckpoint.Security;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>
/// How a silo process joins its cluster, bound from the configuration section <c>Silo</c>
/// (or environment variables such as <c>Silo__GatewayPort</c>).
/// </summary>
public sealed class SiloSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Silo";

    /// <summary>
    /// <c>Localhost</c> (default): one silo on this machine, no external membership table.
    /// <c>AzureTable</c>: membership in an Azure Table on the storage account of
    /// <c>OrleansCheckpoint:Storage:ConnectionString</c>, so any number of silo processes form one cluster and
    /// survive each other's death.
    /// </summary>
    public ClusteringKind Clustering { get; set; } = ClusteringKind.Localhost;

    /// <summary>The port silos talk to each other on. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients connect to (<c>client --gateway</c>). Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at, with <c>AzureTable</c> clustering. Default 127.0.0.1 (one machine).</summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>The cluster's id: silos and clients of one cluster share it. Default <c>orleans-checkpoint</c>.</summary>
    public string ClusterId { get; set; } = "orleans-checkpoint";

    /// <summary>The service's id, stable across deployments (it scopes stored state). Default <c>orleans-checkpoint</c>.</summary>
    public string ServiceId { get; set; } = "orleans-checkpoint";

    /// <summary>How fast, with <c>AzureTable</c> clustering, the silos find that one of them died (Orleans' membership probing).</summary>
    public MembershipSettings Membership { get; set; } = new();

    /// <summary>TLS between silos and from clients (off unless <c>Silo:Tls:CertificatePath</c> is set).</summary>
    public TlsSettings Tls { get; set; } = new();

    /// <summary>Reads the settings from <paramref name="configuration"/> and checks them, naming any bad one.</summary>
    public static SiloSettings From(IConfiguration configuration)
    {
        var settings = new SiloSettings();
        configuration.GetSection(SectionName).Bind(settings);
        foreach (var (name, port) in new[] { (nameof(SiloPort), settings.SiloPort), (nameof(GatewayPort), settings.GatewayPort) })
        {
            if (port is < 1 or > 65535)
            {
                throw new ArgumentException($"{SectionName}:{name} = {port} is not a valid port: it must be between 1 and 65535.");
            }
        }

        if (settings.SiloPort == settings.GatewayPort)
        {
            throw new ArgumentException($"{SectionName}:SiloPort and {SectionName}:GatewayPort are both {settings.SiloPort}; they must differ.");
        }

        if (!IPAddress.TryParse(settings.AdvertisedIPAddress, out _))
        {
            throw new ArgumentException($"{SectionName}:AdvertisedIPAddress = '{settings.AdvertisedIPAddress}' is not an IP address.");
        }

        if (string.IsNullOrWhiteSpace(settings.ClusterId) || string.IsNullOrWhiteSpace(settings.ServiceId))
        {
            throw new ArgumentException($"{SectionName}:ClusterId and {SectionName}:ServiceId must not be empty.");
        }

        settings.Membership.Validate($"{SectionName}:Membership");

        return settings;
    }
}

/// <summary>
/// Orleans' failure detection, tuned for a LAN: each silo probes a few others every <see cref="ProbeTimeout"/>; one that misses
/// <see cref="NumMissedProbesLimit"/> probes in a row is suspected, and declared dead (evicted) once
/// <see cref="NumVotesForDeathDeclaration"/> silos suspect it (at most half the cluster is asked). With the defaults a
/// SIGKILLed silo is evicted within about 3 seconds; Orleans' own defaults (5 s, 3 probes, table refreshed every minute)
/// take 10–15. Raise them on a busy or far-flung network: a slow but live silo that misses its probes is evicted, and its
/// jobs restart.
/// </summary>
public sealed class MembershipSettings
{
    /// <summary>How long a probe may go unanswered. Default 1 s (Orleans: 5 s).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row after which a silo suspects another. Default 2 (Orleans: 3).</summary>
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>Suspicions needed to declare a silo dead. Default 2 (Orleans: 2; fewer when the cluster is smaller).</summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>How often a silo reads the membership table even when nothing told it to. Default 2 s (Orleans: 60 s).</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a silo tries to connect to its next few active silos and declares dead at once one that refuses the
    /// connection (no process listens: it is gone), without waiting for the probes above. Default 1 s; zero turns it off.
    /// </summary>
    public TimeSpan GoneSiloProbePeriod { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate(string section)
    {
        foreach (var (name, value) in new[] { (nameof(ProbeTimeout), ProbeTimeout), (nameof(TableRefreshTimeout), TableRefreshTimeout) })
        {
            if (value < TimeSpan.FromMilliseconds(100))
            {
                throw new ArgumentException($"{section}:{name} = {value} must be at least 100 ms.");
            }
        }

        if (GoneSiloProbePeriod < TimeSpan.Zero || (GoneSiloProbePeriod > TimeSpan.Zero && GoneSiloProbePeriod < TimeSpan.FromMilliseconds(100)))
        {
            throw new ArgumentException($"{section}:GoneSiloProbePeriod = {GoneSiloProbePeriod} must be zero (off) or at least 100 ms.");
        }

        if (NumMissedProbesLimit < 1 || NumVotesForDeathDeclaration < 1)
        {
            throw new ArgumentException($"{section}:NumMissedProbesLimit and {section}:NumVotesForDeathDeclaration must be at least 1.");
        }
    }

    internal void ApplyTo(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.NumVotesForDeathDeclaration = NumVotesForDeathDeclaration;
        options.TableRefreshTimeout = TableRefreshTimeout;
    }
}

/// <summary>Membership providers a silo can use.</summary>
public enum ClusteringKind
{
    /// <summary>A single silo on this machine.</summary>
    Localhost,

    /// <summary>Azure Table membership (Azurite or Azure).</summary>
    AzureTable,
}

/// <summary>Configures a whole silo host from configuration: clustering, endpoints and the runtime.</summary>
public static class CheckpointSiloHosting
{
    /// <summary>
    /// Configures <paramref name="silo"/> from the <c>Silo</c> and <c>OrleansCheckpoint</c> sections of
    /// <paramref name="configuration"/>, with an Azure Queue stream provider for each child of
    /// <c>OrleansCheckpoint:AzureQueueStreams</c> (see <see cref="AzureQueueStreamSourceHosting"/>). Registers no jobs: add
    /// them with <c>AddStreamJob</c>.
    /// </summary>
    public static ISiloBuilder UseCheckpointSilo(this ISiloBuilder silo, IConfiguration configuration)
    {
        var settings = SiloSettings.From(configuration);
        if (settings.Clustering == ClusteringKind.AzureTable)
        {
            var connectionString = configuration[$"{OrleansCheckpointOptions.SectionName}:Storage:ConnectionString"] ?? new StorageSettings().ConnectionString;
            silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connectionString));
            silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedIPAddress), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.Configure<ClusterMembershipOptions>(settings.Membership.ApplyTo);
            if (settings.Membership.GoneSiloProbePeriod > TimeSpan.Zero)
            {
                var period = settings.Membership.GoneSiloProbePeriod;
                silo.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<Recovery.GoneSiloWatcher>(sp, period));
            }
        }
        else
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId);
        }

        if (settings.Tls.Enabled)
        {
            silo.UseCheckpointTls(settings.Tls);
        }

        return silo.AddOrleansCheckpoint(configuration).AddCheckpointAzureQueueStreams(configuration);
    }
}
