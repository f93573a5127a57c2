using System.Globalization;

namespace OrleansCheckpoint.Cli.Chaos;

/// <summary>What <c>client chaos</c> runs: which seeds, on how many silos, with how many events.</summary>
/// <param name="Seeds">The seeds, each a run of its own with its own cluster, input and fault schedule.</param>
/// <param name="Silos">Silo processes per run.</param>
/// <param name="Events">Clicks pushed per run.</param>
/// <param name="Parallelism">Instances per operator of the verification job.</param>
/// <param name="Rate">Clicks per second the push sends at most (so that faults meet a running job, not a finished push).</param>
internal sealed record ChaosSettings(IReadOnlyList<int> Seeds, int Silos, long Events, int Parallelism, double Rate)
{
    public const int DefaultSilos = 3;
    public const long DefaultEvents = 20_000;
    public const int DefaultParallelism = 2;
    public const double DefaultRate = 1_000;

    /// <summary>Clicks per push batch (batch k goes to source partition k mod P; the oracle cuts them alike).</summary>
    public const int BatchSize = 500;

    /// <summary>The fraction of clicks 30–35 s late.</summary>
    public const double LateFraction = 0.1;

    /// <summary>Parses <c>--seeds</c>: <c>N</c> alone (seeds 1 to N), or a comma-separated list of seeds and ranges <c>A..B</c>.</summary>
    public static bool TryParseSeeds(string text, out IReadOnlyList<int> seeds, out string error)
    {
        var all = new List<int>();
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            var range = part.Split("..");
            if (range.Length == 1 && Parse(range[0]) is { } number and > 0)
            {
                all.AddRange(parts.Length == 1 ? Enumerable.Range(1, number) : [number]);
            }
            else if (range.Length == 2 && Parse(range[0]) is { } from && Parse(range[1]) is { } to && from <= to)
            {
                all.AddRange(Enumerable.Range(from, to - from + 1));
            }
            else
            {
                (seeds, error) = ([], $"'{part}' is not a seed list: write N (seeds 1 to N), A..B, or a comma-separated list of seeds and ranges, for example 20, 7..7 or 4,6,20");
                return false;
            }
        }

        seeds = [.. all.Distinct()];
        error = seeds.Count == 0 ? "--seeds names no seed" : string.Empty;
        return seeds.Count > 0;
    }

    private static int? Parse(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
