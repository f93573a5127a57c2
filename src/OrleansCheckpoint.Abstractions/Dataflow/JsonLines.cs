using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansCheckpoint.Dataflow;

/// <summary>Parsers for JSON-lines sources.</summary>
public static class JsonLines
{
    /// <summary>
    /// Web defaults (camelCase, case-insensitive), <c>required</c> members and non-nullable reference members
    /// enforced, so an event missing a field is rejected with a message naming the field.
    /// </summary>
    public static JsonSerializerOptions DefaultOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>A parser of one JSON object per line into <typeparamref name="T"/>.</summary>
    public static Func<string, T> Parser<T>(JsonSerializerOptions? options = null)
    {
        var o = options ?? DefaultOptions;
        return line => JsonSerializer.Deserialize<T>(line, o)
            ?? throw new JsonException("The line is the JSON literal null, not an object.");
    }
}
