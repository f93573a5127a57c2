using System.Globalization;

namespace OrleansCheckpoint.Cli;

/// <summary>
/// Durations on the command line: a number with a unit (<c>500ms</c>, <c>1s</c>, <c>2.5s</c>, <c>2m</c>, <c>1h</c>)
/// or a plain TimeSpan (<c>00:00:01</c>, <c>1.00:00:00</c>), or <c>0</c>. Never negative. Another bare number is refused
/// rather than guessed (TimeSpan would read <c>5</c> as five days).
/// </summary>
internal static class Durations
{
    public const string Examples = "500ms, 2.5s, 2m, 1h or 00:00:01";

    // "ms" before "m" and "s": the longest suffix that matches wins.
    private static readonly (string Suffix, TimeSpan Unit)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds(1)),
        ("s", TimeSpan.FromSeconds(1)),
        ("m", TimeSpan.FromMinutes(1)),
        ("h", TimeSpan.FromHours(1)),
    ];

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text == "0")
        {
            return true;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
        }

        foreach (var (suffix, unit) in Units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var count)
                    && count * unit.Ticks < TimeSpan.MaxValue.Ticks
                    && (duration = TimeSpan.FromTicks((long)Math.Round(count * unit.Ticks))) >= TimeSpan.Zero;
            }
        }

        return false;
    }

    /// <summary>For people: <c>500 ms</c>, <c>2.5 s</c>, <c>90 s</c>.</summary>
    public static string Format(TimeSpan duration) => OrleansCheckpoint.Client.DurationText.Format(duration);
}
