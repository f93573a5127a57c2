using System.CommandLine;
using System.Globalization;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>
/// The options of <c>client start</c> that change a job's checkpoint settings from the silo's defaults
/// (<c>OrleansCheckpoint:Checkpointing</c>). Only the ones given are sent; the silo validates the result and
/// names the setting it refuses.
/// </summary>
internal static class CheckpointOptions
{
    public static readonly Option<TimeSpan?> Interval = CommandSymbols.Duration("--checkpoint-interval", "Time between the triggers of two checkpoints");

    public static readonly Option<TimeSpan?> Timeout = CommandSymbols.Duration("--checkpoint-timeout", "A checkpoint not completed after this long is aborted");

    public static readonly Option<TimeSpan?> MinPause = CommandSymbols.Duration("--checkpoint-min-pause", "Least time from the end of one checkpoint to the trigger of the next");

    public static readonly Option<int?> MaxConcurrent = new("--max-concurrent-checkpoints") { Description = "How many checkpoints may be in progress at once", HelpName = "N" };

    public static readonly Option<int?> TolerableFailures = new("--tolerable-checkpoint-failures")
    {
        Description = "Consecutive failed checkpoints tolerated before the job fails",
        HelpName = "N",
    };

    public static readonly Option<int?> Retained = new("--retained-checkpoints") { Description = "Completed checkpoints kept (older ones are deleted)", HelpName = "N" };

    public static readonly Option<CheckpointMode?> Mode = CommandSymbols.OneOf(
        "--checkpoint-mode",
        "exactly-once (aligned barriers) or at-least-once (no alignment)",
        new Dictionary<string, CheckpointMode>(StringComparer.OrdinalIgnoreCase) { ["exactly-once"] = CheckpointMode.ExactlyOnce, ["at-least-once"] = CheckpointMode.AtLeastOnce });

    public static readonly Option<bool> Disabled = new("--no-checkpoints") { Description = "Take no checkpoints (a failure then restarts the job from nothing)" };

    public static readonly Option<bool> FullSnapshots = new("--no-incremental-checkpoints")
    {
        Description = "Write every instance's whole state at each checkpoint, not only what changed since the last one",
    };

    // A whole number of any sign parses, so that the silo's validation (at least 1) names the value it refuses.
    public static readonly Option<int?> ConsolidateAfter = new("--consolidate-after")
    {
        Description = "With incremental checkpoints: the most pieces an instance's state may be spread over " +
                      "before a checkpoint merges them into one full piece",
        HelpName = "N",
        CustomParser = result =>
        {
            var token = result.Tokens[^1].Value;
            if (int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var pieces))
            {
                return pieces;
            }

            result.AddError($"--consolidate-after must be a whole number of pieces (got {token}).");
            return null;
        },
    };

    /// <summary>The options in the order of <c>client start --help</c>.</summary>
    public static IEnumerable<Option> All =>
        [Interval, Timeout, MinPause, MaxConcurrent, TolerableFailures, Retained, Mode, Disabled, FullSnapshots, ConsolidateAfter];

    /// <summary>
    /// The line that names, for each setting the silo refused, the option of this command that sets it (e.g.
    /// <c>--checkpoint-interval must be at least 10 ms (got 0 ms)</c>).
    /// </summary>
    public static string Describe(string job, IEnumerable<CheckpointSettingProblem> problems) =>
        $"job '{job}' cannot start: {string.Join("; ", problems.Select(p => $"{OptionOf(p.Setting)} {p.Message}"))}.";

    /// <summary>The option that sets <paramref name="setting"/> (a <see cref="CheckpointSettings"/> property name).</summary>
    public static string OptionOf(string setting) => setting switch
    {
        nameof(CheckpointSettings.Enabled) => Disabled.Name,
        nameof(CheckpointSettings.Interval) => Interval.Name,
        nameof(CheckpointSettings.Timeout) => Timeout.Name,
        nameof(CheckpointSettings.MinPause) => MinPause.Name,
        nameof(CheckpointSettings.MaxConcurrent) => MaxConcurrent.Name,
        nameof(CheckpointSettings.TolerableFailures) => TolerableFailures.Name,
        nameof(CheckpointSettings.Retained) => Retained.Name,
        nameof(CheckpointSettings.Mode) => Mode.Name,
        nameof(CheckpointSettings.Incremental) => FullSnapshots.Name,
        nameof(CheckpointSettings.ConsolidateAfter) => ConsolidateAfter.Name,
        _ => setting,
    };

    /// <summary>The overrides given on the command line; <c>null</c> when none was.</summary>
    public static CheckpointOverrides? OverridesOf(ParseResult parse)
    {
        var overrides = new CheckpointOverrides
        {
            Enabled = parse.GetValue(Disabled) ? false : null,
            Interval = parse.GetValue(Interval),
            Timeout = parse.GetValue(Timeout),
            MinPause = parse.GetValue(MinPause),
            MaxConcurrent = parse.GetValue(MaxConcurrent),
            TolerableFailures = parse.GetValue(TolerableFailures),
            Retained = parse.GetValue(Retained),
            Mode = parse.GetValue(Mode),
            Incremental = parse.GetValue(FullSnapshots) ? false : null,
            ConsolidateAfter = parse.GetValue(ConsolidateAfter),
        };
        return overrides == new CheckpointOverrides() ? null : overrides;
    }
}
