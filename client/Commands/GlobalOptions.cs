using System.CommandLine;

namespace OrleansCheckpoint.Cli.Commands;

/// <summary>The options every command takes (recursive on the root command).</summary>
internal static class GlobalOptions
{
    public static readonly Option<GatewayList> Gateway = new("--gateway")
    {
        Description = "The silo gateways to connect to, host:port[,host:port…]; any live one is used",
        HelpName = "host:port[,…]",
        Recursive = true,
        DefaultValueFactory = _ => GatewayList.Default,
        CustomParser = result =>
        {
            if (GatewayList.TryParse(result.Tokens[^1].Value, out var gateways, out var error))
            {
                return gateways;
            }

            result.AddError(error);
            return null;
        },
    };

    public static readonly Option<string?> MembershipStorage = new("--membership-storage")
    {
        Description = $"The storage connection string of the cluster's Azure Table membership: find the live gateways there (default: ${ConnectionSettings.MembershipStorageVariable})",
        HelpName = "connection-string",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ConnectionSettings.MembershipStorageVariable) is { Length: > 0 } value ? value : null,
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

    public static IEnumerable<Option> All => [Gateway, MembershipStorage, ClusterId, ServiceId, Json];

    public static ConnectionSettings ConnectionOf(ParseResult parse) =>
        new(parse.GetRequiredValue(Gateway), parse.GetRequiredValue(ClusterId), parse.GetRequiredValue(ServiceId), parse.GetValue(MembershipStorage));
}
