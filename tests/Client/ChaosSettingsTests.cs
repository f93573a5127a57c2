using OrleansCheckpoint.Cli.Chaos;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>How <c>client chaos --seeds</c> is read.</summary>
public sealed class ChaosSettingsTests
{
    [Theory]
    [InlineData("3", new[] { 1, 2, 3 })]
    [InlineData("7..7", new[] { 7 })]
    [InlineData("2..4", new[] { 2, 3, 4 })]
    [InlineData("4,6,20", new[] { 4, 6, 20 })]
    [InlineData("1..2, 9", new[] { 1, 2, 9 })]
    public void Seeds_are_a_count_a_range_or_a_list_of_seeds_and_ranges(string text, int[] expected)
    {
        Assert.True(ChaosSettings.TryParseSeeds(text, out var seeds, out var error), error);
        Assert.Equal(expected, seeds);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5..2")]
    [InlineData("x")]
    [InlineData(",")]
    public void A_seed_list_that_names_no_seed_is_refused_with_how_to_write_one(string text)
    {
        Assert.False(ChaosSettings.TryParseSeeds(text, out _, out var error));
        Assert.Contains("seed", error);
    }
}
