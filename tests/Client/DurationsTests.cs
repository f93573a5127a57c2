using OrleansCheckpoint.Cli;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary>Durations on the command line: a number with ms / s / m / h, or a plain TimeSpan.</summary>
public sealed class DurationsTests
{
    public static TheoryData<string, TimeSpan> Good => new()
    {
        { "500ms", TimeSpan.FromMilliseconds(500) },
        { "1s", TimeSpan.FromSeconds(1) },
        { "2.5s", TimeSpan.FromMilliseconds(2500) },
        { "2m", TimeSpan.FromMinutes(2) },
        { "1h", TimeSpan.FromHours(1) },
        { "0s", TimeSpan.Zero },
        { "0", TimeSpan.Zero },
        { "0.5ms", TimeSpan.FromTicks(5_000) },
        { "10S", TimeSpan.FromSeconds(10) },
        { "00:00:01", TimeSpan.FromSeconds(1) },
        { "00:01:30.5", TimeSpan.FromSeconds(90.5) },
        { "1.00:00:00", TimeSpan.FromDays(1) },
    };

    [Theory]
    [MemberData(nameof(Good))]
    public void A_number_with_a_unit_or_a_TimeSpan_is_a_duration(string text, TimeSpan expected)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(expected, duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")] // a bare number would be days to TimeSpan: refused rather than guessed
    [InlineData("0.5")]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("1.5.2s")]
    [InlineData("-1s")]
    [InlineData("-00:00:01")]
    [InlineData("1e3s")]
    [InlineData("1,5s")]
    [InlineData("00:99:00")]
    [InlineData("999999999999h")]
    [InlineData("NaNs")]
    public void Anything_else_is_not(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData(500, "500 ms")]
    [InlineData(1000, "1 s")]
    [InlineData(2500, "2.5 s")]
    [InlineData(90_000, "90 s")]
    public void Durations_are_written_in_ms_below_a_second_and_in_seconds_above(int milliseconds, string expected) =>
        Assert.Equal(expected, Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));
}
