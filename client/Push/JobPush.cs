using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Cli.Push;

/// <summary>Pushes an input to a running job, the way <c>client push</c> and <c>client demo</c> both do it.</summary>
internal static class JobPush
{
    public static async Task<PushSummary> RunAsync(IClusterClient client, string job, PushInput input, PushSettings settings, ConsoleOutput output, CancellationToken cancellation)
    {
        // A job that is restarting answers "retry shortly", as its sources do.
        var retry = settings.RetryPolicy;
        var route = await retry.ExecuteAsync(
            () => client.GetGrain<IJobManagerGrain>(job).GetPushRouteAsync(),
            (error, attempt) =>
            {
                if (attempt == 1)
                {
                    output.LiveNote($"{ErrorCauses.FirstLine(error.Message)} Retrying for up to {Durations.Format(retry.RetryFor)}…");
                }
            },
            cancellation);
        var pusher = new EventPusher(client, route, settings, output.LiveNote);
        return await PushProgress.RunAsync(output, $"push to {job}", input.Count, onAccepted => pusher.PushAsync(input.Lines, onAccepted, cancellation));
    }
}
