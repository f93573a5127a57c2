using OrleansCheckpoint.Client.Output;
using OrleansCheckpoint.Grains;

namespace OrleansCheckpoint.Client.Push;

/// <summary>Pushes an input to a running job, the way <c>client push</c> and <c>client demo</c> both do it.</summary>
internal static class JobPush
{
    public static async Task<PushSummary> RunAsync(IClusterClient client, string job, PushInput input, PushSettings settings, ConsoleOutput output, CancellationToken cancellation)
    {
        var route = await client.GetGrain<IJobManagerGrain>(job).GetPushRouteAsync();
        var pusher = new EventPusher(client, route, settings);
        return await PushProgress.RunAsync(output, $"push to {job}", input.Count, onAccepted => pusher.PushAsync(input.Lines, onAccepted, cancellation));
    }
}
