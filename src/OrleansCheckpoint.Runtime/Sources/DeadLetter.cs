using System.Text;
using System.Text.Json;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>
/// A record a source could not parse, kept rather than lost: where it came from (<paramref name="Origin"/>, e.g. the
/// blob a file source read, or the stream an Orleans stream source receives from), its position there
/// (<paramref name="Position"/>: the 1-based line of a file, or a stream's sequence number), the raw record and why
/// it was rejected. Origin and position identify it: a replay after a restore meets the same letter under the same name.
/// </summary>
internal sealed record DeadLetter(string Origin, long Position, string Record, string Error)
{
    /// <summary>The error of a parse function that threw <paramref name="exception"/>: its type and message.</summary>
    public static string ErrorOf(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";

    /// <summary>Whether <paramref name="exception"/>, thrown by a parse function, rejects the record (rather than stopping the source).</summary>
    public static bool Rejects(Exception exception) => exception is not (OperationCanceledException or OutOfMemoryException);

    /// <summary>The letter as one JSON line (with its newline), naming the job and the source it belongs to.</summary>
    public BinaryData ToJsonLine(string job, string source, int partition)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("job", job);
            json.WriteString("source", source);
            json.WriteNumber("partition", partition);
            json.WriteString("origin", Origin);
            json.WriteNumber("position", Position);
            json.WriteString("record", Record);
            json.WriteString("error", Error);
            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return BinaryData.FromBytes(buffer.ToArray());
    }

    /// <summary>Reads a letter written by <see cref="ToJsonLine"/>.</summary>
    public static DeadLetter FromJsonLine(string line)
    {
        using var json = JsonDocument.Parse(Encoding.UTF8.GetBytes(line));
        var root = json.RootElement;
        return new DeadLetter(
            root.GetProperty("origin").GetString()!, root.GetProperty("position").GetInt64(), root.GetProperty("record").GetString()!, root.GetProperty("error").GetString()!);
    }
}
