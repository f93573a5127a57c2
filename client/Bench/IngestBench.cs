using System.Globalization;
using System.Text;
using OrleansCheckpoint.Cli.Push;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Grains;
using OrleansCheckpoint.Jobs.Nexmark;

namespace OrleansCheckpoint.Cli.Bench;

/// <summary>
/// The ingest entry of <c>client bench</c>: ~100-byte events pushed through the real push path (the
/// <see cref="EventPusher"/> of <c>client push</c>, through the silo's gateway, to source partitions that log
/// each push durably in Azurite before acknowledging it). Counts what was acknowledged durable.
/// </summary>
internal static class IngestBench
{
    /// <summary>The length of every pushed line.</summary>
    public const int LineLength = 100;

    /// <summary>Distinct lines the pushes cycle through: generated before the clock starts, so that what is measured is ingest, not making up input.</summary>
    public const int DistinctLines = 100_000;

    /// <summary>Pushes <paramref name="events"/> lines of <paramref name="lines"/> (cycled) to the running <paramref name="job"/>; returns when all are acknowledged.</summary>
    public static async Task<PushSummary> PushAsync(IClusterClient client, string job, IReadOnlyList<string> lines, long events, CancellationToken cancellation)
    {
        var route = await client.GetGrain<IJobManagerGrain>(job).GetPushRouteAsync();
        var pusher = new EventPusher(client, route, new PushSettings(route.MaxBatchEvents));
        return await pusher.PushAsync(Cycle(lines, events).ToAsyncEnumerable(), onAccepted: null, cancellation);
    }

    /// <summary>Nexmark bids as comma-separated lines of exactly <see cref="LineLength"/> characters.</summary>
    public static IEnumerable<string> Lines(long count)
    {
        var generator = new NexmarkGenerator();
        var line = new StringBuilder(LineLength * 2);
        for (long i = 0, emitted = 0; emitted < count; i++)
        {
            if (generator.EventAt(i) is not Bid bid)
            {
                continue;
            }

            line.Clear().Append(CultureInfo.InvariantCulture, $"{bid.Auction},{bid.Bidder},{bid.Price},{bid.Channel},{bid.DateTime.ToUnixTimeMilliseconds()},").Append(bid.Extra);
            if (line.Length < LineLength)
            {
                line.Append('x', LineLength - line.Length);
            }

            emitted++;
            yield return line.ToString(0, LineLength);
        }
    }

    private static IEnumerable<string> Cycle(IReadOnlyList<string> lines, long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return lines[(int)(i % lines.Count)];
        }
    }
}

/// <summary>The job that ingest is pushed to: lines are logged durably by its source and dropped right after.</summary>
internal sealed class IngestJob : IStreamJob
{
    public void Build(JobBuilder job) => job.Source("lines", line => line).Filter("drop", _ => false);
}
