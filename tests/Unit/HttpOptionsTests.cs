using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using OrleansCheckpoint.Http.Hosting;
using OrleansCheckpoint.Runtime.Hosting;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>Bad <c>OrleansCheckpoint:Http</c> settings stop the silo host before it starts, with a line naming the full key.</summary>
public sealed class HttpOptionsTests
{
    [Theory]
    [InlineData("Port", "70000", "OrleansCheckpoint:Http:Port = '70000'")]
    [InlineData("Address", "localhost-ish", "OrleansCheckpoint:Http:Address = 'localhost-ish'")]
    [InlineData("ReadAccess", "Authenticated", "OrleansCheckpoint:Http:ReadAccess = 'Authenticated' is not valid: no authentication is configured")]
    [InlineData("MetricsAccess", "Authenticated", "OrleansCheckpoint:Http:MetricsAccess = 'Authenticated' is not valid: no authentication is configured")]
    [InlineData("ApiKeys:0", "short", "OrleansCheckpoint:Http:ApiKeys = '(hidden)' is not valid: an API key must be at least 16 characters long")]
    [InlineData("Jwt:SigningKey", "c2hvcnQ=", "OrleansCheckpoint:Http:Jwt:SigningKey = '(hidden)' is not valid: it must be base64 of at least 32 bytes")]
    [InlineData("Jwt:Authority", "not a url", "OrleansCheckpoint:Http:Jwt:Authority = 'not a url'")]
    public void A_bad_setting_is_refused_at_start_up_naming_its_key(string setting, string value, string expected)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"{CheckpointHttpOptions.SectionName}:{setting}"] = value });

        var error = Assert.ThrowsAny<Exception>(() => builder.AddCheckpointHttp());

        Assert.Contains(expected, SiloStartupFailure.Describe(error), StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_listen_on_loopback_port_8081_with_metrics_and_dashboard_and_no_authentication()
    {
        var options = new CheckpointHttpOptions();

        Assert.Equal((8081, "127.0.0.1", true, true, false), (options.Port, options.Address, options.Prometheus, options.Dashboard, options.AuthenticationEnabled));
        Assert.True(new CheckpointHttpOptionsValidator().Validate(null, options).Succeeded);
    }
}
