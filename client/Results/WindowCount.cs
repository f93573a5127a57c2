using System.Globalization;
using System.Text.Json;

namespace OrleansCheckpoint.Cli.Results;

/// <summary>A window result as the shipped jobs publish it: <c>{"key":…,"start":…,"end":…,"value":…}</c>.</summary>
internal sealed record WindowCount(string Key, DateTimeOffset Start, DateTimeOffset End, long Value)
{
    /// <summary>Reads <paramref name="json"/> as a window count; <c>false</c> for any other kind of result.</summary>
    public static bool TryParse(string json, out WindowCount window)
    {
        window = null!;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
                && root.TryGetProperty("start", out var start) && start.TryGetDateTimeOffset(out var startTime)
                && root.TryGetProperty("end", out var end) && end.TryGetDateTimeOffset(out var endTime)
                && root.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count))
            {
                window = new WindowCount(key.GetString()!, startTime, endTime, count);
                return true;
            }
        }
        catch (JsonException)
        {
            // not JSON: shown as it is
        }

        return false;
    }

    /// <summary>How a result looks for people: a window count as <c>window 10:00:00–10:00:10  /api/orders  1234</c>, anything else as it is.</summary>
    public static string Describe(string json) => TryParse(json, out var window) ? window.ToString() : json;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"window {Start.UtcDateTime:HH:mm:ss}–{End.UtcDateTime:HH:mm:ss}  {Key,-14} {Value,7:N0}");
}
