using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using OrleansCheckpoint.Http.Hosting;

namespace OrleansCheckpoint.Http.Security;

/// <summary>
/// The three groups of routes and who may call them: reading (<c>GET /jobs…</c>), changing a job (<c>POST</c>) and
/// scraping <c>/metrics</c>. With no authentication configured, everything is open (HTTP listens on loopback by default).
/// </summary>
internal static class HttpPolicies
{
    public const string Read = "read";
    public const string Change = "change";
    public const string Metrics = "metrics";

    public static void Add(AuthorizationOptions authorization, CheckpointHttpOptions options)
    {
        var schemes = Schemes(options).ToArray();
        void Policy(string name, bool authenticated) => authorization.AddPolicy(name, policy =>
        {
            if (authenticated)
            {
                policy.AddAuthenticationSchemes(schemes).RequireAuthenticatedUser();
            }
            else
            {
                policy.RequireAssertion(_ => true);
            }
        });

        var on = options.AuthenticationEnabled;
        Policy(Read, on && options.ReadAccess == HttpAccess.Authenticated);
        Policy(Change, on);
        Policy(Metrics, on && options.MetricsAccess == HttpAccess.Authenticated);
    }

    public static IEnumerable<string> Schemes(CheckpointHttpOptions options)
    {
        if (options.ApiKeys.Count > 0)
        {
            yield return ApiKeyAuthenticationHandler.SchemeName;
        }

        if (options.Jwt.Enabled)
        {
            yield return JwtBearerDefaults.AuthenticationScheme;
        }
    }
}
