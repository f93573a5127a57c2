using System.Text.Json;
using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Jobs.Verification;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>
/// The clicks <c>client chaos</c> pushes, deterministic per seed: 100 per second of event time from 2026-01-01; most up to
/// 0.8 s out of order (within the job's 1 s bound), a fraction 30–35 s late; users skewed (a few hot ones), pages even.
/// </summary>
internal static class ClickStream
{
    public static readonly long Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public const int Users = 200;

    public const int Pages = 20;

    public static List<Click> Generate(int seed, long count, double lateFraction)
    {
        var random = new Random(seed);
        var clicks = new List<Click>((int)count);
        for (long i = 0; i < count; i++)
        {
            var nominal = Start + (i * 10);
            var late = random.NextDouble() < lateFraction;
            var ts = late ? nominal - 30_000 - random.Next(5_000) : nominal - random.Next(800);
            var user = (int)(Users * Math.Pow(random.NextDouble(), 3)); // skewed towards u000
            clicks.Add(new Click(i, $"u{user:D3}", $"p{random.Next(Pages):D2}", ts));
        }

        return clicks;
    }

    public static string ToLine(Click click) => JsonSerializer.Serialize(click, JsonLines.DefaultOptions);
}
