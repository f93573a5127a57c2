namespace OrleansCheckpoint.Http.Hosting;

/// <summary>
/// JWT bearer validation (<c>OrleansCheckpoint:Http:Jwt</c>): an <see cref="Authority"/> (an OpenID Connect issuer whose
/// keys are fetched from its metadata), or a symmetric <see cref="SigningKey"/> with <see cref="Issuer"/> (tokens minted
/// locally). <see cref="Audience"/> is checked when set.
/// </summary>
public sealed class JwtSettings
{
    /// <summary>The OpenID Connect authority (its metadata gives the signing keys). Default none.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must carry. Default none (not checked).</summary>
    public string? Audience { get; set; }

    /// <summary>With <see cref="SigningKey"/>: the issuer tokens must carry. Default none (not checked).</summary>
    public string? Issuer { get; set; }

    /// <summary>A symmetric HMAC-SHA256 key, base64, at least 32 bytes. Default none.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Whether tokens are accepted at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
}
