using OrleansCheckpoint.Cli.Commands;
using OrleansCheckpoint.Cli.Push;

PushInput.ReadRedirectedInputAsUtf8();
return await ClientCommandLine.RunAsync(args);
