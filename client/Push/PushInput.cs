using System.Runtime.CompilerServices;
using System.Text;
using OrleansCheckpoint.Jobs.RequestCounter;

namespace OrleansCheckpoint.Client.Push;

/// <summary>Where pushed events come from: lines, read lazily, and how many there are when that is known.</summary>
/// <param name="Lines">The input's lines (JSON lines), read as they are pushed.</param>
/// <param name="Count">The number of lines, if known in advance (for a progress bar).</param>
internal sealed record PushInput(IAsyncEnumerable<string> Lines, long? Count)
{
    /// <summary><paramref name="count"/> requests from <see cref="RequestGenerator"/>.</summary>
    public static PushInput Generate(long count, int seed, double eventsPerSecond, double lateFraction)
    {
        var generator = new RequestGenerator(seed, eventsPerSecond, lateFraction);
        return new PushInput(generator.Take(count).Select(RequestGenerator.ToJsonLine).ToAsyncEnumerable(), count);
    }

    public static PushInput File(FileInfo file) => new(System.IO.File.ReadLinesAsync(file.FullName), null);

    public static PushInput StandardInput() => new(ReadStandardInputAsync(), null);

    private static async IAsyncEnumerable<string> ReadStandardInputAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        using var reader = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            yield return line;
        }
    }
}
