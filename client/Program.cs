using OrleansCheckpoint.Client.Commands;

return await ClientCommandLine.RunAsync(args);
