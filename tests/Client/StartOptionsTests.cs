using System.CommandLine;
using OrleansCheckpoint.Cli.Commands;
using OrleansCheckpoint.Cli.Output;
using OrleansCheckpoint.Messages;
using Xunit;

namespace OrleansCheckpoint.Tests.Client;

/// <summary><c>client start</c>'s checkpoint options, parsed by the client's real command line.</summary>
public sealed class StartOptionsTests
{
    public static TheoryData<string[], CheckpointOverrides> EachOption => new()
    {
        { ["--checkpoint-interval", "250ms"], new CheckpointOverrides { Interval = TimeSpan.FromMilliseconds(250) } },
        { ["--checkpoint-timeout", "2m"], new CheckpointOverrides { Timeout = TimeSpan.FromMinutes(2) } },
        { ["--checkpoint-min-pause", "00:00:02"], new CheckpointOverrides { MinPause = TimeSpan.FromSeconds(2) } },
        { ["--max-concurrent-checkpoints", "3"], new CheckpointOverrides { MaxConcurrent = 3 } },
        { ["--tolerable-checkpoint-failures", "0"], new CheckpointOverrides { TolerableFailures = 0 } },
        { ["--retained-checkpoints", "5"], new CheckpointOverrides { Retained = 5 } },
        { ["--checkpoint-mode", "at-least-once"], new CheckpointOverrides { Mode = CheckpointMode.AtLeastOnce } },
        { ["--checkpoint-mode", "exactly-once"], new CheckpointOverrides { Mode = CheckpointMode.ExactlyOnce } },
        { ["--no-checkpoints"], new CheckpointOverrides { Enabled = false } },
        { ["--no-incremental-checkpoints"], new CheckpointOverrides { Incremental = false } },
        { ["--consolidate-after", "4"], new CheckpointOverrides { ConsolidateAfter = 4 } },
    };

    [Theory]
    [MemberData(nameof(EachOption))]
    public void Each_checkpoint_option_sets_its_own_override_and_no_other(string[] option, CheckpointOverrides expected)
    {
        var parse = Parse(["start", "cli", .. option]);

        Assert.Empty(parse.Errors);
        Assert.Equal(expected, CheckpointOptions.OverridesOf(parse));
    }

    [Fact]
    public void Options_combine_into_one_set_of_overrides()
    {
        var parse = Parse(["start", "cli", "--parallelism", "3", "--checkpoint-interval", "1h", "--checkpoint-timeout", "2h", "--retained-checkpoints", "4", "--checkpoint-mode", "at-least-once"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(
            new CheckpointOverrides { Interval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(2), Retained = 4, Mode = CheckpointMode.AtLeastOnce },
            CheckpointOptions.OverridesOf(parse));
    }

    [Fact]
    public void Without_checkpoint_options_the_silo_defaults_apply() =>
        Assert.Null(CheckpointOptions.OverridesOf(Parse(["start", "cli", "--parallelism", "2"])));

    [Fact]
    public void Values_the_silo_refuses_still_parse_so_that_the_silo_names_the_setting()
    {
        var parse = Parse(["start", "cli", "--checkpoint-interval", "0s", "--max-concurrent-checkpoints", "0"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(new CheckpointOverrides { Interval = TimeSpan.Zero, MaxConcurrent = 0 }, CheckpointOptions.OverridesOf(parse));
    }

    [Fact]
    public void A_consolidation_the_silo_refuses_is_named_by_its_start_option()
    {
        var parse = Parse(["start", "cli", "--consolidate-after", "0"]);
        var problems = CheckpointOptions.OverridesOf(parse)!.ApplyTo(new CheckpointSettings()).Validate();

        Assert.Empty(parse.Errors);
        Assert.Equal("job 'cli' cannot start: --consolidate-after must be at least 1 (got 0).", CheckpointOptions.Describe("cli", problems));
    }

    [Fact]
    public void Shown_settings_say_whether_checkpoints_are_incremental_and_when_they_consolidate()
    {
        Assert.EndsWith(", incremental, consolidated after 10 pieces", JobViews.Describe(new CheckpointSettings()));
        Assert.EndsWith(", full snapshots", JobViews.Describe(new CheckpointSettings { Incremental = false }));
        Assert.Equal("off", JobViews.Describe(new CheckpointSettings { Enabled = false }));
    }

    [Theory]
    [InlineData("--checkpoint-interval", "5x")]
    [InlineData("--checkpoint-timeout", "1d")]
    [InlineData("--checkpoint-min-pause", "-1s")]
    [InlineData("--checkpoint-mode", "twice")]
    [InlineData("--consolidate-after", "some")]
    public void A_bad_value_is_one_usage_error_naming_its_option(string option, string value)
    {
        var parse = Parse(["start", "cli", option, value]);

        var error = Assert.Single(parse.Errors);
        Assert.StartsWith(option + " must be", error.Message);
        Assert.Contains(value, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    public static TheoryData<string[], RestartOverrides> EachRestartOption => new()
    {
        { ["--restart-strategy", "exponential-backoff"], new RestartOverrides { Strategy = RestartKind.ExponentialBackoff } },
        { ["--restart-strategy", "fixed-delay"], new RestartOverrides { Strategy = RestartKind.FixedDelay } },
        { ["--restart-strategy", "none"], new RestartOverrides { Strategy = RestartKind.None } },
        { ["--restart-delay", "250ms"], new RestartOverrides { Delay = TimeSpan.FromMilliseconds(250) } },
        { ["--restart-max-delay", "2m"], new RestartOverrides { MaxDelay = TimeSpan.FromMinutes(2) } },
        { ["--restart-attempts", "3"], new RestartOverrides { MaxAttempts = 3 } },
        { ["--restart-window", "1h"], new RestartOverrides { Window = TimeSpan.FromHours(1) } },
    };

    [Theory]
    [MemberData(nameof(EachRestartOption))]
    public void Each_restart_option_sets_its_own_override_and_no_other(string[] option, RestartOverrides expected)
    {
        var parse = Parse(["start", "cli", .. option]);

        Assert.Empty(parse.Errors);
        Assert.Equal(expected, RestartOptions.OverridesOf(parse));
        Assert.Null(CheckpointOptions.OverridesOf(parse));
    }

    [Fact]
    public void Without_restart_options_the_silo_default_applies() =>
        Assert.Null(RestartOptions.OverridesOf(Parse(["start", "cli", "--checkpoint-interval", "1s"])));

    [Theory]
    [InlineData("--restart-strategy", "sometimes")]
    [InlineData("--restart-delay", "soon")]
    [InlineData("--restart-max-delay", "1d")]
    [InlineData("--restart-window", "5x")]
    public void A_bad_restart_value_is_one_usage_error_naming_its_option(string option, string value) =>
        A_bad_value_is_one_usage_error_naming_its_option(option, value);

    [Fact]
    public void Restart_values_the_silo_refuses_are_named_by_their_start_option()
    {
        var settings = new Runtime.Recovery.RestartSettings().With(new RestartOverrides { Delay = TimeSpan.FromMinutes(1), MaxAttempts = -1 });

        var problems = settings.Problems(Runtime.Recovery.RestartSettings.StartOptionNames).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("--restart-max-delay 00:00:30 is shorter than --restart-delay 00:01:00", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--restart-attempts -1 is negative", StringComparison.Ordinal));
    }

    private static ParseResult Parse(string[] args) => ClientCommandLine.Create().Parse(args);
}
