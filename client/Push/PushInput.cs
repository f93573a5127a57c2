using System.Runtime.CompilerServices;
using System.Text;
using OrleansCheckpoint.Jobs.RequestCounter;

namespace OrleansCheckpoint.Cli.Push;

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

    /// <summary>The lines of <see cref="Console.In"/> (the program reads a redirected standard input as UTF-8, JSON's encoding).</summary>
    public static PushInput StandardInput() => new(ReadStandardInputAsync(), null);

    /// <summary>Makes <see cref="Console.In"/> read a redirected standard input as UTF-8 (JSON lines), whatever the console's code page.</summary>
    public static void ReadRedirectedInputAsUtf8()
    {
        if (Console.IsInputRedirected)
        {
            Console.SetIn(new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)));
        }
    }

    private static async IAsyncEnumerable<string> ReadStandardInputAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var reader = Console.In;
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            yield return line;
        }
    }
}
