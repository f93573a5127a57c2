namespace OrleansCheckpoint.Cli.Connection;

/// <summary>The silo gateways a client may connect to, as the user listed them: <c>host:port[,host:port…]</c>; any live one will do.</summary>
internal sealed record GatewayList(IReadOnlyList<GatewayAddress> Addresses)
{
    /// <summary>The silo's default gateway alone.</summary>
    public static GatewayList Default { get; } = new([GatewayAddress.Default]);

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

    public override string ToString() => string.Join(",", Addresses);
}
