using System.Globalization;
using Xunit;

namespace OrleansCheckpoint.Tests.Infrastructure;

/// <summary>
/// The seeds of the seeded recovery tests: a few fixed ones, plus any listed in the environment variable
/// <c>ORLEANSCHECKPOINT_TEST_SEEDS</c> (e.g. <c>"1,2,3"</c>) for more runs on demand. Each seed runs its own
/// job (<c>{name}-{seed}</c>), registered by the cluster fixture.
/// </summary>
public static class TestSeeds
{
    public const string Variable = "ORLEANSCHECKPOINT_TEST_SEEDS";

    /// <summary>The seeds every run uses.</summary>
    public static readonly int[] Fixed = [41, 43, 47];

    /// <summary>The fixed seeds and those of <see cref="Variable"/>, each once.</summary>
    public static IReadOnlyList<int> All { get; } = [.. Fixed.Concat(FromEnvironment()).Distinct()];

    /// <summary>The seeds as theory data.</summary>
    public static TheoryData<int> Theory => [.. All];

    /// <summary>The job names of the seeded tests named <paramref name="names"/>, one per seed.</summary>
    public static IEnumerable<string> JobNames(params string[] names) => names.SelectMany(name => All.Select(seed => JobName(name, seed)));

    public static string JobName(string name, int seed) => string.Create(CultureInfo.InvariantCulture, $"{name}-{seed}");

    private static IEnumerable<int> FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            yield break;
        }

        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
                ? seed
                : throw new FormatException($"{Variable}: '{part}' is not an integer seed (expected e.g. \"1,2,3\").");
        }
    }
}
