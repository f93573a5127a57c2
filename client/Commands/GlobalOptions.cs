using System.CommandLine;
using OrleansCheckpoint.Client.Connection;

namespace OrleansCheckpoint.Client.Commands;

/// <summary>The options every command takes (recursive on the root command).</summary>
internal static class GlobalOptions
{
    public static readonly Option<GatewayAddress> Gateway = new("--gateway")
    {
        Description = "The silo gateway to connect to, host:port",
        HelpName = "host:port",
        Recursive = true,
        DefaultValueFactory = _ => GatewayAddress.Default,
        CustomParser = result =>
        {
            if (GatewayAddress.TryParse(result.Tokens[^1].Value, out var address, out var error))
            {
                return address;
            }

            result.AddError(error);
            return null;
        },
    };

    public static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "The cluster id; must match the silo's Silo:ClusterId",
        Recursive = true,
        DefaultValueFactory = _ => ConnectionSettings.DefaultId,
    };

    public static readonly Option<string> ServiceId = new("--service-id")
    {
        Description = "The service id; must match the silo's Silo:ServiceId",
        Recursive = true,
        DefaultValueFactory = _ => ConnectionSettings.DefaultId,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write machine-readable JSON instead of tables",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Gateway, ClusterId, ServiceId, Json];

    public static ConnectionSettings ConnectionOf(ParseResult parse) =>
        new(parse.GetRequiredValue(Gateway), parse.GetRequiredValue(ClusterId), parse.GetRequiredValue(ServiceId));
}
