using OrleansCheckpoint.Jobs.LargeState;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The keys <c>client bench</c>'s large-state job generates, counted independently of how they are computed.</summary>
public sealed class LargeStateJobTests
{
    [Fact]
    public void Every_key_is_populated_once_before_any_update()
    {
        var settings = new LargeStateSettings(Keys: 1_000, HotKeys: 10, Dwell: 3, Updates: 500);

        var population = Enumerable.Range(0, 1_000).Select(i => settings.KeyAt(i)).ToList();

        Assert.Equal(Enumerable.Range(0, 1_000).Select(k => (long)k), population.Order());
        Assert.Equal(1_500, settings.Events);
    }

    [Fact]
    public void Each_window_of_updates_changes_exactly_the_hot_keys_each_dwell_times_and_the_next_window_other_keys()
    {
        var settings = new LargeStateSettings(Keys: 1_000, HotKeys: 10, Dwell: 3, Updates: 10_000);
        var windows = Enumerable.Range(0, 200)
            .Select(w => Enumerable.Range(0, 30).Select(u => settings.KeyAt(1_000 + (w * 30) + u)).ToList())
            .ToList();

        Assert.All(windows, updates =>
        {
            Assert.Equal(10, updates.Distinct().Count());
            Assert.All(updates.GroupBy(k => k), g => Assert.Equal(3, g.Count()));
            Assert.All(updates, k => Assert.InRange(k, 0, 999));
        });
        Assert.All(windows.Zip(windows.Skip(1)), pair => Assert.Empty(pair.First.Intersect(pair.Second)));
        Assert.Equal(1_000, windows.SelectMany(w => w).Distinct().Count()); // 200 windows of 10 sweep all 1,000 keys twice
    }

    [Fact]
    public void An_endless_run_far_along_still_gives_keys_in_range()
    {
        var settings = new LargeStateSettings(Keys: 10_000_000, HotKeys: 100_000, Dwell: 7, Updates: LargeStateSettings.Endless);

        Assert.All(
            new[] { settings.Events - 1, settings.Events / 2, 10_000_000L + 123_456_789 },
            i => Assert.InRange(settings.KeyAt(i), 0, 9_999_999));
        Assert.Empty(settings.Problems());
    }

    [Theory]
    [InlineData(0, 1, 1, 0, "keys")]
    [InlineData(10, 11, 1, 0, "hot keys")]
    [InlineData(10, 1, 0, 0, "dwell")]
    public void Settings_it_cannot_generate_are_named(long keys, long hot, long dwell, long updates, string named) =>
        Assert.StartsWith(named + " must be", new LargeStateSettings(keys, hot, dwell, updates).Problems().First());
}
