using System.CommandLine;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>
/// The options of <c>client start</c> that change a job's restart strategy from the silo's default
/// (<c>OrleansCheckpoint:Restart</c>). Only the ones given are sent; the silo validates the result and names the
/// option it refuses.
/// </summary>
internal static class RestartOptions
{
    public static readonly Option<RestartKind?> Strategy = CommandSymbols.OneOf(
        "--restart-strategy",
        "How a failed job is restarted from its last checkpoint: fixed-delay, exponential-backoff, or none (the first failure fails it)",
        new Dictionary<string, RestartKind>(StringComparer.OrdinalIgnoreCase)
        {
            ["fixed-delay"] = RestartKind.FixedDelay, ["exponential-backoff"] = RestartKind.ExponentialBackoff, ["none"] = RestartKind.None,
        });

    public static readonly Option<TimeSpan?> Delay = CommandSymbols.Duration("--restart-delay", "The wait before a restart (with exponential backoff: before the first)");

    public static readonly Option<TimeSpan?> MaxDelay = CommandSymbols.Duration("--restart-max-delay", "With exponential backoff: the longest wait before a restart");

    public static readonly Option<int?> Attempts = new("--restart-attempts")
    {
        Description = "The most restarts within the restart window; one more failure fails the job",
        HelpName = "N",
    };

    public static readonly Option<TimeSpan?> Window = CommandSymbols.Duration("--restart-window", "The window in which restarts are counted");

    /// <summary>The options in the order of <c>client start --help</c>.</summary>
    public static IEnumerable<Option> All => [Strategy, Delay, MaxDelay, Attempts, Window];

    /// <summary>The overrides given on the command line; <c>null</c> when none was.</summary>
    public static RestartOverrides? OverridesOf(ParseResult parse)
    {
        var overrides = new RestartOverrides
        {
            Strategy = parse.GetValue(Strategy),
            Delay = parse.GetValue(Delay),
            MaxDelay = parse.GetValue(MaxDelay),
            MaxAttempts = parse.GetValue(Attempts),
            Window = parse.GetValue(Window),
        };
        return overrides == new RestartOverrides() ? null : overrides;
    }
}
