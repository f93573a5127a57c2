using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using OrleansCheckpoint.Dataflow;

namespace OrleansCheckpoint.Runtime.Sinks;

/// <summary>How a file sink turns records into the lines of its part files. One instance per sink instance: not thread-safe.</summary>
/// <typeparam name="T">The record type.</typeparam>
internal abstract class RecordFormat<T>
{
    /// <summary>The part files' extension, with its dot.</summary>
    public abstract string Extension { get; }

    /// <summary>The line that opens every part file, or null.</summary>
    public abstract string? Header { get; }

    /// <summary>The record as one line (a CSV row may span lines inside a quoted field).</summary>
    public abstract string Format(T record);

    public static RecordFormat<T> For(FileFormat format) => format switch
    {
        FileFormat.JsonLines => new JsonLinesFormat<T>(),
        FileFormat.Csv => new CsvFormat<T>(),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown file format."),
    };
}

/// <summary>A JSON document per line (camelCase, as the rest of the product's JSON).</summary>
internal sealed class JsonLinesFormat<T> : RecordFormat<T>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public override string Extension => ".jsonl";

    public override string? Header => null;

    public override string Format(T record) => JsonSerializer.Serialize(record, Json);
}

/// <summary>
/// RFC 4180 rows written by CsvHelper (invariant culture, <c>\n</c> line ends): a record's public properties, in
/// declaration order, one column each (nested records flattened by CsvHelper's automatic mapping); a record of a
/// single value (a number, a string, a date) is one column named <c>value</c>. Times are written in the round-trip
/// format (<c>O</c>: CsvHelper's default drops the milliseconds); numbers as .NET writes them, shortest round-trip.
/// </summary>
internal sealed class CsvFormat<T> : RecordFormat<T>
{
    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture) { NewLine = "\n" };
    private static readonly bool SingleValue = IsSingleValue(typeof(T));
    private readonly StringWriter _text = new(CultureInfo.InvariantCulture);
    private readonly CsvWriter _csv;

    public CsvFormat()
    {
        _csv = new CsvWriter(_text, Configuration);
        string[] roundTrip = ["O"];
        _csv.Context.TypeConverterOptionsCache.GetOptions<DateTimeOffset>().Formats = roundTrip;
        _csv.Context.TypeConverterOptionsCache.GetOptions<DateTimeOffset?>().Formats = roundTrip;
        _csv.Context.TypeConverterOptionsCache.GetOptions<DateTime>().Formats = roundTrip;
        _csv.Context.TypeConverterOptionsCache.GetOptions<DateTime?>().Formats = roundTrip;
        if (SingleValue)
        {
            _csv.WriteField("value");
        }
        else
        {
            _csv.WriteHeader<T>();
        }

        Header = Take();
    }

    public override string Extension => ".csv";

    public override string? Header { get; }

    public override string Format(T record)
    {
        if (SingleValue)
        {
            _csv.WriteField(record);
        }
        else
        {
            _csv.WriteRecord(record);
        }

        return Take();
    }

    private static bool IsSingleValue(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(decimal)
            || underlying == typeof(DateTime) || underlying == typeof(DateTimeOffset) || underlying == typeof(Guid) || underlying == typeof(TimeSpan);
    }

    /// <summary>Ends the row and returns it without its line end.</summary>
    private string Take()
    {
        _csv.NextRecord();
        _csv.Flush();
        var builder = _text.GetStringBuilder();
        var row = builder.ToString(0, builder.Length - 1);
        builder.Clear();
        return row;
    }
}
