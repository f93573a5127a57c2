using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Cli.Output;

/// <summary>
/// How <c>--json</c> output is written: camelCase names, one line per value, enums as their names — the
/// checkpoint ones in kebab case (<c>exactly-once</c>, <c>in-progress</c>), as the command line spells them.
/// </summary>
internal static class ClientJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters =
        {
            new JsonStringEnumConverter<CheckpointMode>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter<CheckpointStatus>(JsonNamingPolicy.KebabCaseLower),
            new JsonStringEnumConverter(),
        },

        // For terminals and scripts, not HTML: keep '+', '<', non-ASCII as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>An enum value as <c>--json</c> writes it (without the quotes).</summary>
    public static string Name<T>(T value)
        where T : struct, Enum => Serialize(value).Trim('"');
}
