using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Http.Api;
using OrleansCheckpoint.Http.Dashboard;
using OrleansCheckpoint.Http.Health;
using OrleansCheckpoint.Http.Security;
using OrleansCheckpoint.Runtime.Hosting;
using OrleansCheckpoint.Runtime.Metrics;

namespace OrleansCheckpoint.Http.Hosting;

/// <summary>
/// The silo host as an ASP.NET Core application co-hosting Orleans: the silo, its jobs, and its HTTP face — the REST API
/// (<c>/jobs…</c>), <c>/metrics</c>, <c>/health/live</c> and <c>/health/ready</c>, and the dashboard at <c>/</c> — on
/// <c>OrleansCheckpoint:Http:Port</c>.
/// </summary>
public static partial class CheckpointWebHost
{
    /// <summary>The OpenTelemetry service name of a silo.</summary>
    public const string ServiceName = "orleans-checkpoint";

    /// <summary>
    /// Configures <paramref name="builder"/> as a silo (the <c>Silo</c> and <c>OrleansCheckpoint</c> sections) with
    /// <paramref name="jobs"/> and the HTTP face, and builds it. Bad settings throw here, naming the setting.
    /// </summary>
    /// <param name="builder">A web application builder (<c>WebApplication.CreateBuilder</c>).</param>
    /// <param name="jobs">The jobs the silo registers, by name.</param>
    /// <param name="configureSilo">More silo settings, after the configured ones.</param>
    public static WebApplication BuildSilo(
        this WebApplicationBuilder builder, IEnumerable<KeyValuePair<string, Func<IStreamJob>>> jobs, Action<ISiloBuilder>? configureSilo = null)
    {
        builder.UseOrleans(silo =>
        {
            silo.UseCheckpointSilo(builder.Configuration);
            configureSilo?.Invoke(silo);
        });
        foreach (var (name, create) in jobs)
        {
            builder.Services.AddStreamJob(name, create);
        }

        builder.AddCheckpointHttp();
        var app = builder.Build();
        app.MapCheckpointHttp();
        return app;
    }

    /// <summary>
    /// Adds the HTTP face's services: Kestrel on the configured address and port (or no server), authentication, health
    /// checks, metrics.
    /// </summary>
    public static WebApplicationBuilder AddCheckpointHttp(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(CheckpointHttpOptions.SectionName);
        var options = new CheckpointHttpOptions();
        section.Bind(options);
        if (new CheckpointHttpOptionsValidator().Validate(Options.DefaultName, options) is { Failed: true } invalid)
        {
            throw new OptionsValidationException(CheckpointHttpOptions.SectionName, typeof(CheckpointHttpOptions), invalid.Failures);
        }

        builder.Services.AddOptions<CheckpointHttpOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CheckpointHttpOptions>, CheckpointHttpOptionsValidator>();
        if (options.Port == 0)
        {
            builder.Services.AddSingleton<IServer, NoHttpServer>();
        }
        else
        {
            builder.WebHost.UseUrls(); // the configured address only, whatever ASPNETCORE_URLS says
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                if (options.Address == "*")
                {
                    kestrel.ListenAnyIP(options.Port);
                }
                else
                {
                    kestrel.Listen(IPAddress.Parse(options.Address), options.Port);
                }
            });
        }

        builder.Services.AddRouting(); // a slim or empty builder has only its core
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower)));
        AddAuthentication(builder.Services, options);
        builder.Services.AddHealthChecks()
            .AddCheck<SiloActiveHealthCheck>("silo", tags: ["ready"])
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        // No exporter, no listener: the instruments then cost nothing at all.
        var prometheus = options.Prometheus && options.Port != 0;
        const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpoint] ?? Environment.GetEnvironmentVariable(OtlpEndpoint));
        if (prometheus || otlp)
        {
            builder.Services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService(ServiceName))
                .WithMetrics(metrics =>
                {
                    metrics.AddMeter(CheckpointMeter.Name);
                    if (prometheus)
                    {
                        metrics.AddPrometheusExporter(o => o.DisableTotalNameSuffixForCounters = true);
                    }

                    // OTLP when the standard variable names a collector (the exporter reads the OTEL_EXPORTER_OTLP_* variables).
                    if (otlp)
                    {
                        metrics.AddOtlpExporter();
                    }
                });
        }

        return builder;
    }

    /// <summary>Maps the routes and middleware of the HTTP face.</summary>
    public static WebApplication MapCheckpointHttp(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<CheckpointHttpOptions>>().Value;
        if (options.Port != 0 && !options.AuthenticationEnabled && options.Address is not ("127.0.0.1" or "::1"))
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CheckpointWebHost));
            LogOpenToNetwork(logger, options.Address, options.Port);
        }

        if (options.Dashboard)
        {
            DashboardFiles.Use(app);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        JobsApi.Map(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        if (options.Prometheus && options.Port != 0)
        {
            app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(HttpPolicies.Metrics);
        }

        return app;
    }

    private static void AddAuthentication(IServiceCollection services, CheckpointHttpOptions options)
    {
        var schemes = HttpPolicies.Schemes(options).ToList();
        var authentication = services.AddAuthentication(schemes.FirstOrDefault() ?? ApiKeyAuthenticationHandler.SchemeName);
        if (options.ApiKeys.Count > 0)
        {
            authentication.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        }

        if (options.Jwt.Enabled)
        {
            var jwt = options.Jwt;
            authentication.AddJwtBearer(bearer =>
            {
                bearer.MapInboundClaims = false;
                if (!string.IsNullOrWhiteSpace(jwt.Authority))
                {
                    bearer.Authority = jwt.Authority;
                }

                bearer.Audience = jwt.Audience;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateAudience = !string.IsNullOrWhiteSpace(jwt.Audience),
                    ValidAudience = jwt.Audience,
                    ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer) || !string.IsNullOrWhiteSpace(jwt.Authority),
                    ValidIssuer = jwt.Issuer,
                    IssuerSigningKey = jwt.SigningKey is { Length: > 0 } key
                        ? new SymmetricSecurityKey(CheckpointHttpOptionsValidator.SigningKeyBytes(key))
                        : null,
                };
            });
        }

        services.AddAuthorization(authorization => HttpPolicies.Add(authorization, options));
    }

    [LoggerMessage(
        EventId = 1,
        Level = LogLevel.Warning,
        Message = "The HTTP API listens on {Address}:{Port} without authentication: anyone who reaches it can stop jobs (set OrleansCheckpoint:Http:ApiKeys or Jwt)")]
    private static partial void LogOpenToNetwork(ILogger logger, string address, int port);
}
