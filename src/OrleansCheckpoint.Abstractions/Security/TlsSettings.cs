using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansCheckpoint.Security;

/// <summary>
/// Orleans TLS for silo-to-silo and client-to-silo connections (section <c>Silo:Tls</c>). Off unless
/// <see cref="CertificatePath"/> is set; then every connection is mutual TLS: each side presents its certificate, and a
/// peer is accepted when its certificate chains to a trusted root, is the same certificate as this side's (one
/// self-signed certificate shared by a cluster and its clients), or has one of <see cref="TrustedThumbprints"/>.
/// </summary>
public sealed class TlsSettings
{
    /// <summary>The environment variable naming the client's certificate (PKCS#12 file), for <c>client</c> commands.</summary>
    public const string ClientCertificateVariable = "ORLEANSCHECKPOINT_TLS_CERTIFICATE";

    /// <summary>The environment variable holding the password of the client's certificate file.</summary>
    public const string ClientPasswordVariable = "ORLEANSCHECKPOINT_TLS_PASSWORD";

    /// <summary>A PKCS#12 (<c>.pfx</c>) file with the certificate and its private key. Default none: TLS off.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The password of <see cref="CertificatePath"/>. Default none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>SHA-1 thumbprints (hex) of further peer certificates to accept without a trusted chain. Default none.</summary>
    public List<string> TrustedThumbprints { get; set; } = [];

    /// <summary>Whether TLS is on.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    /// <summary>The client's settings from <see cref="ClientCertificateVariable"/> and <see cref="ClientPasswordVariable"/> (TLS off when unset).</summary>
    public static TlsSettings FromEnvironment() => new()
    {
        CertificatePath = Environment.GetEnvironmentVariable(ClientCertificateVariable),
        CertificatePassword = Environment.GetEnvironmentVariable(ClientPasswordVariable),
    };

    /// <summary>Loads the certificate; a missing or unreadable file throws <see cref="ArgumentException"/> naming <paramref name="setting"/>.</summary>
    public X509Certificate2 LoadCertificate(string setting)
    {
        if (!File.Exists(CertificatePath))
        {
            throw new ArgumentException($"{setting} = '{CertificatePath}' names no file: give a PKCS#12 (.pfx) file with the certificate and its private key.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(CertificatePath, CertificatePassword);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{setting} = '{CertificatePath}' cannot be read as a PKCS#12 certificate (wrong password?): {e.Message}", e);
        }

        return certificate.HasPrivateKey
            ? certificate
            : throw new ArgumentException($"{setting} = '{CertificatePath}' holds no private key: TLS needs the certificate's private key too.");
    }

    /// <summary>
    /// Whether a peer presenting <paramref name="remote"/> is accepted by this side, whose certificate is
    /// <paramref name="local"/>: its chain validated, or it is this side's certificate, or one of <see cref="TrustedThumbprints"/>.
    /// </summary>
    public bool Accepts(X509Certificate2 remote, SslPolicyErrors errors, X509Certificate2 local) =>
        errors == SslPolicyErrors.None
        || TrustedThumbprints.Select(t => t.Replace(":", string.Empty, StringComparison.Ordinal)).Append(local.Thumbprint)
            .Contains(remote.Thumbprint, StringComparer.OrdinalIgnoreCase);
}
