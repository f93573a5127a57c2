using System.Globalization;

namespace OrleansCheckpoint.Client;

/// <summary>Durations for people: <c>500 ms</c>, <c>2.5 s</c>, <c>90 s</c>.</summary>
internal static class DurationText
{
    public static string Format(TimeSpan duration) => duration < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###} s");
}
