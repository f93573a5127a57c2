using OrleansCheckpoint.Client.Commands;
using OrleansCheckpoint.Client.Push;

PushInput.ReadRedirectedInputAsUtf8();
return await ClientCommandLine.RunAsync(args);
