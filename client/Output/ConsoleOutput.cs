using Spectre.Console;
using Spectre.Console.Rendering;

namespace OrleansCheckpoint.Cli.Output;

/// <summary>
/// Where a command's output goes. Data goes to stdout, either for people (tables, Spectre.Console) or, with
/// <c>--json</c>, as one JSON value per line for scripts. Errors and notes go to stderr, so stdout stays parsable.
/// </summary>
internal sealed class ConsoleOutput(bool json)
{
    private const int RedirectedWidth = 200;

    public bool Json { get; } = json;

    /// <summary>Whether live displays (progress bars) may be drawn: a terminal, and not <c>--json</c>.</summary>
    public bool Interactive => !Json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public IAnsiConsole Ansi { get; } = CreateAnsiConsole();

    /// <summary>Writes <paramref name="data"/> as JSON with <c>--json</c>, otherwise as <paramref name="human"/> renders it.</summary>
    public void Data<T>(T data, Func<T, IRenderable> human)
    {
        if (Json)
        {
            JsonLine(ClientJson.Serialize(data));
        }
        else
        {
            Ansi.Write(human(data));
        }
    }

    /// <summary>Writes a line of JSON (already serialised) to stdout.</summary>
    public static void JsonLine(string json) => Console.Out.WriteLine(json);

    /// <summary>Writes a line of plain text for people (nothing with <c>--json</c>).</summary>
    public void Line(string text)
    {
        if (!Json)
        {
            Ansi.Write(new Text(text + Environment.NewLine));
        }
    }

    // A console of this command's own, over the stdout of the moment (AnsiConsole.Console keeps the stdout it
    // first saw, which in a host that redirects Console.Out — tests do — may be a writer since closed).
    // Spectre wraps at 80 columns when stdout is not a terminal; a file or a pipe has no width to fit.
    private static IAnsiConsole CreateAnsiConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }

    /// <summary>Writes <c>error: message</c> to stderr.</summary>
    public static void Error(string message) => Console.Error.WriteLine($"error: {message}");

    /// <summary>Writes a note to stderr (for people and scripts alike, never mixed into stdout's data).</summary>
    public static void Note(string message) => Console.Error.WriteLine(message);

    /// <summary>
    /// Writes a note that may come while a live display (a progress bar) is drawn: above it, on the terminal, when
    /// there is one; otherwise to stderr as <see cref="Note"/> does.
    /// </summary>
    public void LiveNote(string message)
    {
        if (Interactive)
        {
            Ansi.Write(new Text(message + Environment.NewLine, new Style(Color.Grey)));
        }
        else
        {
            Note(message);
        }
    }
}
