using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansCheckpoint.Http.Hosting;

namespace OrleansCheckpoint.Http.Security;

/// <summary>Authenticates a request whose <c>X-Api-Key</c> header holds one of <see cref="CheckpointHttpOptions.ApiKeys"/> (compared in constant time).</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<CheckpointHttpOptions> options)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.ToString() is not { Length: > 0 } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var bytes = Encoding.UTF8.GetBytes(presented);
        if (!options.Value.ApiKeys.Any(k => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(k), bytes)))
        {
            return Task.FromResult(AuthenticateResult.Fail($"the {HeaderName} header holds no configured API key"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-key")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append("WWW-Authenticate", $"{SchemeName} header=\"{HeaderName}\"");
        return Task.CompletedTask;
    }
}
