using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Http.Api.Views;
using OrleansCheckpoint.Http.Security;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api;

/// <summary>
/// Savepoints over HTTP, after Flink's asynchronous operations: <c>POST /jobs/{job}/savepoints</c> (<c>{"stop": true}</c>
/// stops the job with it) answers 202 with the savepoint's id at once; <c>GET /jobs/{job}/savepoints/{id}</c> says
/// <c>IN_PROGRESS</c>, <c>COMPLETED</c> (with the savepoint) or, while the silo that took it remembers, <c>FAILED</c>
/// (with the cause); <c>GET /jobs/{job}/savepoints</c> lists them; <c>DELETE /jobs/{job}/savepoints/{id}</c> disposes of one.
/// </summary>
internal static class SavepointsApi
{
    public static void Map(RouteGroupBuilder jobs)
    {
        jobs.MapGet("/{job}/savepoints", ListAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapGet("/{job}/savepoints/{id}", StatusAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapPost("/{job}/savepoints", TriggerAsync).RequireAuthorization(HttpPolicies.Change);
        jobs.MapDelete("/{job}/savepoints/{id}", DisposeAsync).RequireAuthorization(HttpPolicies.Change);
    }

    private static async Task<IResult> ListAsync(string job, IGrainFactory grains)
    {
        await grains.GetGrain<IJobManagerGrain>(job).GetInfoAsync(); // an unknown job: 404
        return Results.Ok(new { savepoints = await grains.GetGrain<ISavepointGrain>(job).GetSavepointsAsync() });
    }

    private static async Task<IResult> TriggerAsync(string job, HttpRequest request, IGrainFactory grains)
    {
        SavepointRequest? body;
        try
        {
            body = request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding"))
                ? new SavepointRequest()
                : await JsonSerializer.DeserializeAsync<SavepointRequest>(request.Body, JobsApi.StrictBody, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new ApiError($"The body of POST /jobs/{job}/savepoints must be {{\"stop\": true|false}} or empty: {e.Message}"));
        }

        var id = await grains.GetGrain<ISavepointGrain>(job).TriggerSavepointAsync((body ?? new SavepointRequest()).Stop);
        return Results.Json(new { requestId = id, id, path = SavepointInfo.PathOf(job, id) }, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> StatusAsync(string job, string id, IGrainFactory grains)
    {
        var savepointId = ParseId(job, id);
        try
        {
            return await grains.GetGrain<ISavepointGrain>(job).WaitForSavepointAsync(savepointId, TimeSpan.Zero) is { } done
                ? Results.Ok(new { status = "COMPLETED", savepoint = done })
                : Results.Ok(new { status = "IN_PROGRESS" });
        }
        catch (Exception e) when (ExceptionCauses.Find<StreamJobException>(e) is { } failed and not SnapshotNotFoundException)
        {
            return Results.Ok(new { status = "FAILED", failureCause = failed.Message });
        }
    }

    private static async Task<IResult> DisposeAsync(string job, string id, IGrainFactory grains)
    {
        await grains.GetGrain<ISavepointGrain>(job).DisposeSavepointAsync(ParseId(job, id));
        return Results.NoContent();
    }

    private static long ParseId(string job, string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new SnapshotNotFoundException($"Job '{job}' has no savepoint '{id}': savepoint ids are numbers.");

    private sealed record SavepointRequest(bool Stop = false);
}
