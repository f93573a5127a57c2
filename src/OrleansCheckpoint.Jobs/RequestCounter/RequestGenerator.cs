using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OrleansCheckpoint.Jobs.RequestCounter;

/// <summary>
/// A deterministic stream of requests for a seed: skewed endpoint popularity, event timestamps that advance
/// at <see cref="EventsPerSecond"/> from <see cref="Start"/> with up to 1.5 s of disorder (inside the job's
/// 2 s bound), and optionally a fraction of requests that arrive 30 s late.
/// </summary>
public sealed class RequestGenerator
{
    /// <summary>The endpoints requests go to, most popular first.</summary>
    public static readonly IReadOnlyList<string> Endpoints =
        ["/api/orders", "/api/products", "/api/cart", "/api/users", "/api/search", "/api/checkout", "/api/reviews", "/health"];

    private readonly Random _random;
    private readonly double _lateFraction;
    private long _index;

    /// <summary>Creates the generator.</summary>
    /// <param name="seed">The seed: the same seed gives the same requests.</param>
    /// <param name="eventsPerSecond">The event-time rate: how many requests fall in one second of event time.</param>
    /// <param name="lateFraction">The fraction (0 to 1) of requests whose timestamp is 30 s behind.</param>
    public RequestGenerator(int seed, double eventsPerSecond = 1000, double lateFraction = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(lateFraction);
        _random = new Random(seed);
        EventsPerSecond = eventsPerSecond;
        _lateFraction = lateFraction;
    }

    /// <summary>The event time of the first request.</summary>
    public static DateTimeOffset Start { get; } = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Requests per second of event time.</summary>
    public double EventsPerSecond { get; }

    /// <summary>The next request.</summary>
    public Request Next()
    {
        var nominal = Start.AddMilliseconds(Math.Floor(_index++ * 1000 / EventsPerSecond));
        var disorder = TimeSpan.FromMilliseconds(_random.Next(0, 1500));
        var late = _random.NextDouble() < _lateFraction ? TimeSpan.FromSeconds(30) : TimeSpan.Zero;
        // Zipf-like popularity: endpoint k is chosen with weight 1/(k+1).
        var endpoint = Endpoints[PickSkewed()];
        var user = "u" + _random.Next(1, 1001).ToString(CultureInfo.InvariantCulture);
        return new Request(endpoint, user, nominal - disorder - late);
    }

    /// <summary>The next <paramref name="count"/> requests.</summary>
    public IEnumerable<Request> Take(long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return Next();
        }
    }

    /// <summary>
    /// A request as one JSON line, with the timestamp in ISO 8601 UTC with milliseconds. Written by a JSON writer, so
    /// any endpoint or user (quotes, backslashes, control characters) gives a valid line; non-ASCII stays as it is.
    /// </summary>
    public static string ToJsonLine(Request request)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, LineWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("endpoint", request.Endpoint);
            writer.WriteString("user", request.User);
            writer.WriteString("timestamp", request.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // Escapes what JSON requires (quotes, backslashes, control characters), not '/' or non-ASCII: lines stay readable.
    private static readonly JsonWriterOptions LineWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private int PickSkewed()
    {
        var total = 0.0;
        for (var k = 0; k < Endpoints.Count; k++)
        {
            total += 1.0 / (k + 1);
        }

        var x = _random.NextDouble() * total;
        for (var k = 0; k < Endpoints.Count; k++)
        {
            x -= 1.0 / (k + 1);
            if (x < 0)
            {
                return k;
            }
        }

        return Endpoints.Count - 1;
    }
}
