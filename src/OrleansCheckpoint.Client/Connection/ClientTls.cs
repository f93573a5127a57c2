using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using OrleansCheckpoint.Security;

namespace OrleansCheckpoint.Client;

/// <summary>Orleans' mutual TLS (<c>Microsoft.Orleans.Connections.Security</c>) for a client of a cluster whose silos set <c>Silo:Tls</c>.</summary>
public static class ClientTls
{
    /// <summary>This client connects with TLS, presenting the certificate of <paramref name="settings"/>.</summary>
    /// <param name="client">The Orleans client.</param>
    /// <param name="settings">The client's certificate and the peers it trusts.</param>
    /// <param name="setting">The setting that named the certificate, for errors.</param>
    public static IClientBuilder UseCheckpointTls(this IClientBuilder client, TlsSettings settings, string setting = TlsSettings.ClientCertificateVariable)
    {
        var certificate = settings.LoadCertificate(setting);
        return client.UseTls(certificate, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = (remote, _, errors) => settings.Accepts(remote, errors, certificate);
            options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        });
    }

    /// <summary>TLS as <see cref="TlsSettings.ClientCertificateVariable"/> asks (nothing when it is unset): what the <c>client</c> commands use.</summary>
    public static IClientBuilder UseCheckpointTlsWhenConfigured(this IClientBuilder client) =>
        TlsSettings.FromEnvironment() is { Enabled: true } settings ? client.UseCheckpointTls(settings) : client;
}
