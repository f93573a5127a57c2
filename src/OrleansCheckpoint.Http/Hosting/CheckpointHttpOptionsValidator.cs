using System.Net;
using Microsoft.Extensions.Options;

namespace OrleansCheckpoint.Http.Hosting;

/// <summary>Checks <see cref="CheckpointHttpOptions"/> at start-up, naming each bad setting by its full key.</summary>
internal sealed class CheckpointHttpOptionsValidator : IValidateOptions<CheckpointHttpOptions>
{
    public ValidateOptionsResult Validate(string? name, CheckpointHttpOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string setting, object? value, string rule)
        {
            if (!ok)
            {
                errors.Add($"{CheckpointHttpOptions.SectionName}:{setting} = '{value}' is not valid: {rule}.");
            }
        }

        Require(options.Port is >= 0 and <= 65535, nameof(options.Port), options.Port, "it must be between 1 and 65535, or 0 to turn HTTP off");
        Require(options.Address == "*" || IPAddress.TryParse(options.Address, out _), nameof(options.Address), options.Address, "it must be an IP address, or * for every address");
        Require(options.ApiKeys.All(k => k.Length >= 16), nameof(options.ApiKeys), "(hidden)", "an API key must be at least 16 characters long");
        Require(Enum.IsDefined(options.ReadAccess), nameof(options.ReadAccess), options.ReadAccess, "it must be Anonymous or Authenticated");
        Require(Enum.IsDefined(options.MetricsAccess), nameof(options.MetricsAccess), options.MetricsAccess, "it must be Anonymous or Authenticated");
        var needsAuthentication = options.ReadAccess == HttpAccess.Authenticated || options.MetricsAccess == HttpAccess.Authenticated;
        Require(
            !needsAuthentication || options.AuthenticationEnabled,
            options.ReadAccess == HttpAccess.Authenticated ? nameof(options.ReadAccess) : nameof(options.MetricsAccess),
            HttpAccess.Authenticated,
            "no authentication is configured: set ApiKeys or Jwt:Authority / Jwt:SigningKey");
        if (options.Jwt.SigningKey is { Length: > 0 } key)
        {
            Require(SigningKeyBytes(key) is { Length: >= 32 }, "Jwt:SigningKey", "(hidden)", "it must be base64 of at least 32 bytes");
        }

        if (options.Jwt.Authority is { Length: > 0 } authority)
        {
            Require(Uri.TryCreate(authority, UriKind.Absolute, out _), "Jwt:Authority", authority, "it must be an absolute URL");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The bytes of a base64 signing key, or null when it is not base64.</summary>
    public static byte[]? SigningKeyBytes(string key)
    {
        try
        {
            return Convert.FromBase64String(key);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
