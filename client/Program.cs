using System.CommandLine;
using System.CommandLine.Invocation;
using OrleansCheckpoint.Client.Commands;

var root = new RootCommand("OrleansCheckpoint client: start, stop and inspect stream jobs, push events, follow results, or run the demo.")
{
    StartCommand.Create(),
    StopCommand.Create(),
    JobsCommand.Create(),
    PushCommand.Create(),
    ResultsCommand.Create(),
    QueryCommand.Create(),
    MetricsCommand.Create(),
    DemoCommand.Create(),
};
foreach (var option in GlobalOptions.All)
{
    root.Options.Add(option);
}

var parse = root.Parse(args);
if (parse.Action is ParseErrorAction)
{
    return UsageErrors.Report(parse);
}

// Ctrl+C cancels the running command, which then stops what it started (the demo's silo and Azurite take a few seconds).
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
