using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>Turns on Orleans' mutual TLS (<c>Microsoft.Orleans.Connections.Security</c>) for a silo or a client, per <see cref="TlsSettings"/>.</summary>
public static class CheckpointTls
{
    /// <summary>Silo-to-silo and client-to-silo connections of this silo use TLS, and clients must present a certificate.</summary>
    public static ISiloBuilder UseCheckpointTls(this ISiloBuilder silo, TlsSettings settings)
    {
        var certificate = settings.LoadCertificate($"{SiloSettings.SectionName}:Tls:CertificatePath");
        return silo.UseTls(certificate, options => Configure(options, certificate, settings));
    }

    /// <summary>This client connects with TLS, presenting its certificate.</summary>
    public static IClientBuilder UseCheckpointTls(this IClientBuilder client, TlsSettings settings, string setting = TlsSettings.ClientCertificateVariable)
    {
        var certificate = settings.LoadCertificate(setting);
        return client.UseTls(certificate, options => Configure(options, certificate, settings));
    }

    /// <summary>TLS as <see cref="TlsSettings.ClientCertificateVariable"/> asks (nothing when it is unset): what the <c>client</c> commands use.</summary>
    public static IClientBuilder UseCheckpointTlsWhenConfigured(this IClientBuilder client) =>
        TlsSettings.FromEnvironment() is { Enabled: true } settings ? client.UseCheckpointTls(settings) : client;

    private static void Configure(TlsOptions options, X509Certificate2 local, TlsSettings settings)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        var trusted = settings.TrustedThumbprints.Select(t => t.Replace(":", string.Empty, StringComparison.Ordinal)).Append(local.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
        options.RemoteCertificateValidation = (certificate, _, errors) => errors == SslPolicyErrors.None || trusted.Contains(certificate.Thumbprint);
        options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = local.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
    }
}
