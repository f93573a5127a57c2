using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using OrleansCheckpoint.Errors;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Http.Api.Views;
using OrleansCheckpoint.Http.Security;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Hosting;

namespace OrleansCheckpoint.Http.Api;

/// <summary>
/// The REST API, shaped after Flink's (<c>/jobs</c>, <c>/jobs/{job}/checkpoints</c>, …), answered by this silo for
/// every job of the cluster through grain calls. An unknown job or checkpoint answers 404, a bad body 400, a request
/// the job cannot take now 409, each with <c>{"error": "…"}</c> naming what was wrong.
/// </summary>
internal static class JobsApi
{
    internal static readonly JsonSerializerOptions StrictBody = new(JsonSerializerOptions.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static void Map(IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs").AddEndpointFilter(AnswerJobErrorsAsync);
        jobs.MapGet("/", ListAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapGet("/{job}", DetailsAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapGet("/{job}/checkpoints", CheckpointsAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapGet("/{job}/checkpoints/config", CheckpointConfigAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapGet("/{job}/checkpoints/{id}", CheckpointAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapGet("/{job}/exceptions", ExceptionsAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapGet("/{job}/operators", OperatorsAsync).RequireAuthorization(HttpPolicies.Read);
        jobs.MapPost("/{job}/checkpoints", TriggerAsync).RequireAuthorization(HttpPolicies.Change);
        jobs.MapPost("/{job}/stop", StopAsync).RequireAuthorization(HttpPolicies.Change);
        SavepointsApi.Map(jobs);
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains)
    {
        var jobs = await grains.GetGrain<IJobCatalogGrain>(0).ListAsync();
        return Results.Ok(new JobsView([.. jobs.Select(Overview)]));
    }

    private static async Task<IResult> DetailsAsync(string job, IGrainFactory grains)
    {
        var j = await grains.GetGrain<IJobManagerGrain>(job).GetInfoAsync();
        return Results.Ok(new JobDetailsView(
            j.Name, j.Status, j.Generation, j.Parallelism, j.StartedAt, j.Restarts, j.RestoredCheckpoint, j.LastCompletedCheckpoint,
            j.LastFailure, j.FailureReason, j.DrainRequested, j.CoordinatorSilo, j.RestartStrategy, [.. j.Operators.Select(o => OperatorViews.View(o, j.Name))],
            j.SkippedCheckpoints ?? []));
    }

    private static async Task<IResult> CheckpointsAsync(string job, IGrainFactory grains)
    {
        await grains.GetGrain<IJobManagerGrain>(job).GetInfoAsync(); // an unknown job: 404
        var coordinator = grains.GetGrain<ICheckpointCoordinatorGrain>(job);
        var (history, counts) = (await coordinator.GetCheckpointsAsync(), await coordinator.GetCheckpointCountsAsync());
        return Results.Ok(CheckpointViews.Statistics(history, counts));
    }

    private static async Task<IResult> CheckpointAsync(string job, string id, IGrainFactory grains)
    {
        await grains.GetGrain<IJobManagerGrain>(job).GetInfoAsync();
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var checkpointId))
        {
            return Results.NotFound(new ApiError($"Job '{job}' has no checkpoint '{id}': checkpoint ids are numbers."));
        }

        var history = await grains.GetGrain<ICheckpointCoordinatorGrain>(job).GetCheckpointsAsync();
        var range = history.Count == 0 ? "none yet" : $"checkpoints {history[^1].Id} to {history[0].Id}";
        return history.FirstOrDefault(c => c.Id == checkpointId) is { } checkpoint
            ? Results.Ok(CheckpointViews.Detail(checkpoint))
            : Results.NotFound(new ApiError($"Job '{job}' has no checkpoint {checkpointId} in its history ({range})."));
    }

    private static async Task<IResult> CheckpointConfigAsync(string job, IGrainFactory grains, IOptions<OrleansCheckpointOptions> options)
    {
        var info = await grains.GetGrain<IJobManagerGrain>(job).GetInfoAsync();
        return Results.Ok(info.Checkpointing is { } settings
            ? CheckpointViews.Config(settings, "job")
            : CheckpointViews.Config(options.Value.Checkpointing, "defaults"));
    }

    private static async Task<IResult> TriggerAsync(string job, IGrainFactory grains)
    {
        var info = await grains.GetGrain<IJobManagerGrain>(job).GetInfoAsync();
        var why = info.Checkpointing is { Enabled: false } ? " and takes no checkpoints" : ", or as many checkpoints as it may run at once are in progress";
        return await grains.GetGrain<ICheckpointCoordinatorGrain>(job).TriggerCheckpointAsync() is { } id
            ? Results.Json(new TriggeredCheckpointView(id), statusCode: StatusCodes.Status202Accepted)
            : Results.Conflict(new ApiError($"Job '{job}' cannot start a checkpoint now: it is {info.Status.ToString().ToLowerInvariant()}{why}."));
    }

    private static async Task<IResult> StopAsync(string job, HttpRequest request, IGrainFactory grains)
    {
        StopRequest? body;
        try
        {
            body = request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding"))
                ? new StopRequest()
                : await JsonSerializer.DeserializeAsync<StopRequest>(request.Body, StrictBody, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new ApiError($"The body of POST /jobs/{job}/stop must be {{\"drain\": true|false}}: {e.Message}"));
        }

        if (body is null)
        {
            return Results.BadRequest(new ApiError($"The body of POST /jobs/{job}/stop must be {{\"drain\": true|false}}, not null."));
        }

        var info = await grains.GetGrain<IJobManagerGrain>(job).StopAsync(body.Drain);
        return Results.Json(Overview(info), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ExceptionsAsync(string job, IGrainFactory grains)
    {
        var failures = await grains.GetGrain<IJobManagerGrain>(job).GetFailuresAsync();
        return Results.Ok(new ExceptionsView(failures, Truncated: false));
    }

    private static async Task<IResult> OperatorsAsync(string job, IGrainFactory grains)
    {
        var info = await grains.GetGrain<IJobManagerGrain>(job).GetInfoAsync();
        return Results.Ok(await OperatorViews.MetricsAsync(grains, info));
    }

    private static JobOverview Overview(JobInfo j) => new(j.Name, j.Status, j.Generation, j.Restarts, j.Parallelism, j.StartedAt, j.LastCompletedCheckpoint);

    /// <summary>A job (or savepoint) the cluster does not know answers 404; any other refusal of the job manager 409, with its message.</summary>
    private static async ValueTask<object?> AnswerJobErrorsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (ExceptionCauses.Find<JobNotFoundException>(e) is { } unknown)
        {
            return Results.NotFound(new ApiError(unknown.Message));
        }
        catch (Exception e) when (ExceptionCauses.Find<SnapshotNotFoundException>(e) is { } missing)
        {
            return Results.NotFound(new ApiError(missing.Message));
        }
        catch (Exception e) when (ExceptionCauses.Find<StreamJobException>(e) is { } refused)
        {
            return Results.Conflict(new ApiError(refused.Message));
        }
    }
}
