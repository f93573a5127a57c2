using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansCheckpoint.Runtime.Hosting;

/// <summary>
/// Turns the failure of a silo's start into one line for its operator — a bad setting, storage that does not
/// answer, a port another process holds — or says it is none of those (a bug, whose stack trace matters).
/// </summary>
public static class SiloStartupFailure
{
    /// <summary>
    /// The line that names what stopped the silo from starting, or <see langword="null"/> when
    /// <paramref name="error"/> is not a configuration, storage or port problem.
    /// </summary>
    /// <param name="error">What building or starting the host threw.</param>
    /// <param name="endpoints">
    /// The silo's endpoints, when its host was built, to name the port that is taken; call this after the host is
    /// disposed, so that the ports it bound itself are free again.
    /// </param>
    /// <param name="otherPorts">Other ports the host listens on (the HTTP port), each with its setting.</param>
    public static string? Describe(Exception error, EndpointOptions? endpoints = null, IReadOnlyList<(string Setting, int Port)>? otherPorts = null)
    {
        if (Find<SocketException>(error) is { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            return DescribePortInUse(endpoints, otherPorts ?? []);
        }

        return error switch
        {
            OptionsValidationException or ArgumentException => error.Message,
            StorageUnavailableException => error.Message,
            // The configuration binder: a value of the wrong type, e.g. an unknown checkpoint mode.
            InvalidOperationException { InnerException: FormatException or ArgumentException or NotSupportedException } => error.Message,
            _ => null,
        };
    }

    private static string DescribePortInUse(EndpointOptions? endpoints, IReadOnlyList<(string Setting, int Port)> otherPorts)
    {
        if (endpoints is null)
        {
            return $"a port the silo listens on is already in use by another process ({string.Join(", ", ["Silo:SiloPort", "Silo:GatewayPort", .. otherPorts.Select(p => p.Setting)])})";
        }

        var taken = new[] { ("Silo:SiloPort", endpoints.SiloPort), ("Silo:GatewayPort", endpoints.GatewayPort) }
            .Concat(otherPorts)
            .Where(p => p.Item2 > 0 && !CanListenOn(p.Item2))
            .Select(p => $"{p.Item1} = {p.Item2}")
            .ToList();
        return taken.Count == 0
            ? $"a port the silo listens on (Silo:SiloPort = {endpoints.SiloPort}, Silo:GatewayPort = {endpoints.GatewayPort}) was in use by another process"
            : $"{string.Join(" and ", taken)} {(taken.Count == 1 ? "is" : "are")} already in use by another process; choose a free port";
    }

    private static bool CanListenOn(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true); // as a listener binds
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static T? Find<T>(Exception error) where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
                return found;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null) is { } inner)
                return inner;
        }

        return null;
    }
}
