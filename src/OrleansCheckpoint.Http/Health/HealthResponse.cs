using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansCheckpoint.Http.Health;

/// <summary>Writes a health report as JSON: <c>{"status": "healthy", "checks": {"silo": {"status", "description"}, …}}</c>.</summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = Name(report.Status),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = Name(e.Value.Status), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }

    private static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}
