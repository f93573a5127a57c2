using OrleansCheckpoint.Jobs.RequestCounter;

namespace OrleansCheckpoint.Cli.Demo;

/// <summary>
/// What the job must answer, computed here without it: the requests per endpoint among the first
/// <c>count</c> requests of a fresh generator with the demo's seed and settings.
/// </summary>
internal static class ExpectedCounts
{
    public static IReadOnlyDictionary<string, long> PerEndpoint(DemoSettings settings)
    {
        var counts = RequestGenerator.Endpoints.ToDictionary(e => e, _ => 0L, StringComparer.Ordinal);
        foreach (var request in settings.NewGenerator().Take(settings.Events))
        {
            counts[request.Endpoint]++;
        }

        return counts;
    }
}
