using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using OrleansCheckpoint.Security;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>Turns on Orleans' mutual TLS (<c>Microsoft.Orleans.Connections.Security</c>) for a silo, per <see cref="TlsSettings"/> (clients: <c>OrleansCheckpoint.Client</c>'s <c>UseCheckpointTls</c>).</summary>
public static class CheckpointTls
{
    /// <summary>Silo-to-silo and client-to-silo connections of this silo use TLS, and clients must present a certificate.</summary>
    public static ISiloBuilder UseCheckpointTls(this ISiloBuilder silo, TlsSettings settings)
    {
        var certificate = settings.LoadCertificate($"{SiloSettings.SectionName}:Tls:CertificatePath");
        return silo.UseTls(certificate, options =>
        {
            options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            options.RemoteCertificateValidation = (remote, _, errors) => settings.Accepts(remote, errors, certificate);
            options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        });
    }
}
