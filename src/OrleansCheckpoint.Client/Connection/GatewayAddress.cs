using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansCheckpoint.Client;

/// <summary>A silo gateway as the user wrote it: <c>host:port</c>, where host is an IP address or a name.</summary>
public sealed record GatewayAddress(string Host, int Port)
{
    /// <summary>The silo's default gateway (<c>Silo:GatewayPort</c> 30000 on this machine).</summary>
    public static GatewayAddress Default { get; } = new("127.0.0.1", 30000);

    /// <summary>Reads <c>host:port</c>; false with <paramref name="error"/> saying what is wrong otherwise.</summary>
    public static bool TryParse(string text, out GatewayAddress address, out string error)
    {
        address = null!;
        var separator = text.LastIndexOf(':');
        if (separator <= 0 || separator == text.Length - 1)
        {
            error = $"'{text}' is not a gateway address: write host:port, for example {Default}";
            return false;
        }

        var host = text[..separator].Trim('[', ']');
        if (!int.TryParse(text[(separator + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"'{text}' is not a gateway address: the port must be a number from 1 to 65535";
            return false;
        }

        address = new GatewayAddress(host, port);
        error = string.Empty;
        return true;
    }

    /// <summary>The endpoint to connect to; a host name is resolved, preferring IPv4.</summary>
    public async Task<IPEndPoint> ResolveAsync(CancellationToken cancellation)
    {
        if (IPAddress.TryParse(Host, out var ip))
        {
            return new IPEndPoint(ip, Port);
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(Host, cancellation);
        }
        catch (SocketException e)
        {
            throw new ClusterUnreachableException($"cannot reach a silo at {this}: the host name '{Host}' does not resolve ({e.Message})", e);
        }

        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new ClusterUnreachableException($"cannot reach a silo at {this}: the host name '{Host}' has no address");
        return new IPEndPoint(chosen, Port);
    }

    /// <summary><c>host:port</c> (an IPv6 host in brackets).</summary>
    public override string ToString() =>
        Host.Contains(':') ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
