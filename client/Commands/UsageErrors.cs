using System.CommandLine;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>Reports a command line that does not parse: <c>error: …</c> per problem and where to find the usage, on stderr.</summary>
internal static class UsageErrors
{
    public static int Report(ParseResult parse)
    {
        foreach (var error in parse.Errors)
        {
            Console.Error.WriteLine($"error: {error.Message}");
        }

        var path = new List<string>();
        for (var command = parse.CommandResult; command is not null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, command.Command.Name);
        }

        Console.Error.WriteLine($"usage: {string.Join(' ', path)} --help");
        return ExitCodes.Failed;
    }
}
