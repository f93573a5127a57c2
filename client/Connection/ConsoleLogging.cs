using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace OrleansCheckpoint.Cli.Connection;

/// <summary>Logging of the hosts the client runs (its Orleans client, the demo's silo): warnings and worse, on stderr, so stdout stays clean.</summary>
internal static class ConsoleLogging
{
    public static ILoggingBuilder AddClientConsoleLogging(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);

        // A gateway that refuses connections is reported once, as a clear error, by the command itself.
        logging.AddFilter("Orleans.Runtime.Messaging", LogLevel.Error);
        logging.AddFilter("Orleans.Messaging", LogLevel.Error);
        logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);

        // Results still in flight when a subscriber unsubscribes are dropped, with a warning each: expected, not news.
        logging.AddFilter("Orleans.Streams.StreamConsumerExtension", LogLevel.Error);
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace); // stdout is the command's (--json)
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        return logging;
    }
}
