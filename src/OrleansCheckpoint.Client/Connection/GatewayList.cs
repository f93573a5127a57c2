namespace OrleansCheckpoint.Client;

/// <summary>The silo gateways a client may connect to, as the user listed them: <c>host:port[,host:port…]</c>; any live one will do.</summary>
public sealed record GatewayList(IReadOnlyList<GatewayAddress> Addresses)
{
    /// <summary>The silo's default gateway alone.</summary>
    public static GatewayList Default { get; } = new([GatewayAddress.Default]);

    /// <summary>Reads <c>host:port[,host:port…]</c>; false with <paramref name="error"/> saying what is wrong otherwise.</summary>
    public static bool TryParse(string text, out GatewayList gateways, out string error)
    {
        gateways = null!;
        var addresses = new List<GatewayAddress>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!GatewayAddress.TryParse(part, out var address, out error))
            {
                return false;
            }

            addresses.Add(address);
        }

        if (addresses.Count == 0)
        {
            error = $"'{text}' names no gateway: write host:port[,host:port…], for example {GatewayAddress.Default}";
            return false;
        }

        gateways = new GatewayList(addresses);
        error = string.Empty;
        return true;
    }

    /// <summary>The list as the user writes it.</summary>
    public override string ToString() => string.Join(",", Addresses);

    /// <summary>Parses <paramref name="text"/> (<c>host:port[,host:port…]</c>); throws <see cref="FormatException"/> naming the problem.</summary>
    public static GatewayList Parse(string text) => TryParse(text, out var gateways, out var error) ? gateways : throw new FormatException(error);
}
