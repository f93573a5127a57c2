using OrleansCheckpoint.Messages;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>The validation of a job's checkpoint settings, which the silo's configuration and <c>client start</c> share.</summary>
public sealed class CheckpointSettingsTests
{
    /// <summary>Each invalid value, the setting it must be blamed on, and a piece of the message.</summary>
    public static TheoryData<CheckpointSettings, string, string> EachInvalidValue => new()
    {
        { new CheckpointSettings { Interval = TimeSpan.Zero, Timeout = TimeSpan.FromSeconds(1) }, nameof(CheckpointSettings.Interval), "at least 10 ms (got 0 ms)" },
        { new CheckpointSettings { Interval = TimeSpan.FromMilliseconds(-5) }, nameof(CheckpointSettings.Interval), "(got -5 ms)" },
        { new CheckpointSettings { Interval = TimeSpan.FromSeconds(2), Timeout = TimeSpan.FromSeconds(1) }, nameof(CheckpointSettings.Timeout), "at least the interval, 2000 ms (got 1000 ms)" },
        { new CheckpointSettings { MinPause = TimeSpan.FromSeconds(-1) }, nameof(CheckpointSettings.MinPause), "not be negative (got -1000 ms)" },
        { new CheckpointSettings { MaxConcurrent = 0 }, nameof(CheckpointSettings.MaxConcurrent), "at least 1 (got 0)" },
        { new CheckpointSettings { TolerableFailures = -1 }, nameof(CheckpointSettings.TolerableFailures), "not be negative (got -1)" },
        { new CheckpointSettings { Retained = 0 }, nameof(CheckpointSettings.Retained), "(got 0)" },
        { new CheckpointSettings { Mode = (CheckpointMode)7 }, nameof(CheckpointSettings.Mode), "ExactlyOnce (exactly-once) or AtLeastOnce (at-least-once) (got 7)" },
    };

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(new CheckpointSettings().Validate());

    [Theory]
    [MemberData(nameof(EachInvalidValue))]
    public void An_invalid_value_is_one_problem_naming_its_setting(CheckpointSettings settings, string setting, string message)
    {
        var problem = Assert.Single(settings.Validate());

        Assert.Equal(setting, problem.Setting);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void Every_invalid_value_is_named_at_once()
    {
        var problems = new CheckpointSettings
        {
            Interval = TimeSpan.FromMilliseconds(5), Timeout = TimeSpan.FromMilliseconds(1), MinPause = TimeSpan.FromSeconds(-1),
            MaxConcurrent = 0, TolerableFailures = -1, Retained = 0, Mode = (CheckpointMode)7,
        }.Validate();

        Assert.Equal(
            ["Interval", "Timeout", "MinPause", "MaxConcurrent", "TolerableFailures", "Retained", "Mode"],
            problems.Select(p => p.Setting));
    }
}
