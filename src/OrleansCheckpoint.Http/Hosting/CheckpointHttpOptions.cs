namespace OrleansCheckpoint.Http.Hosting;

/// <summary>
/// The silo's HTTP face, bound from the configuration section <c>OrleansCheckpoint:Http</c> (or environment variables
/// such as <c>OrleansCheckpoint__Http__Port</c>). Validated when the silo starts.
/// </summary>
public sealed class CheckpointHttpOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrleansCheckpoint:Http";

    /// <summary>The port of the REST API, <c>/metrics</c>, the health checks and the dashboard. Default 8081; 0 turns HTTP off.</summary>
    public int Port { get; set; } = 8081;

    /// <summary>
    /// The address to listen on. Default <c>127.0.0.1</c> (this machine only: the API can stop jobs); <c>*</c> for every
    /// address, or one IP address. Listening beyond loopback without <see cref="ApiKeys"/> or <see cref="Jwt"/> is logged as a warning.
    /// </summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>API keys a request may carry in its <c>X-Api-Key</c> header. Default none.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer tokens (<c>Authorization: Bearer …</c>) accepted; off unless an authority or a signing key is set.</summary>
    public JwtSettings Jwt { get; set; } = new();

    /// <summary>
    /// Who may call the read-only routes (<c>GET /jobs…</c>): <c>Anonymous</c> (default) or <c>Authenticated</c>. The routes that
    /// change a job (<c>POST</c>) always need authentication once an API key or JWT is configured.
    /// </summary>
    public HttpAccess ReadAccess { get; set; } = HttpAccess.Anonymous;

    /// <summary>Who may scrape <c>GET /metrics</c>: <c>Anonymous</c> (default) or <c>Authenticated</c>.</summary>
    public HttpAccess MetricsAccess { get; set; } = HttpAccess.Anonymous;

    /// <summary>Serve the Prometheus scrape endpoint <c>GET /metrics</c>. Default true.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>Serve the dashboard at <c>/</c>. Default true.</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Whether any authentication is configured.</summary>
    public bool AuthenticationEnabled => ApiKeys.Count > 0 || Jwt.Enabled;
}

/// <summary>Who may call a group of routes.</summary>
public enum HttpAccess
{
    /// <summary>Anyone who reaches the port.</summary>
    Anonymous,

    /// <summary>Requests with a valid API key or JWT.</summary>
    Authenticated,
}
