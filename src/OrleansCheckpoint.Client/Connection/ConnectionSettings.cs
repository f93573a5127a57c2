namespace OrleansCheckpoint.Client;

/// <summary>
/// Where the cluster is and who it is: the gateways (or the membership table that lists them) and the ids that must
/// match the silos' <c>Silo:ClusterId</c> / <c>Silo:ServiceId</c>.
/// </summary>
/// <param name="Gateways">The gateways of <c>--gateway</c>; used when <paramref name="MembershipStorage"/> is not given.</param>
/// <param name="ClusterId">The cluster id.</param>
/// <param name="ServiceId">The service id.</param>
/// <param name="MembershipStorage">
/// The connection string of the storage account whose Azure Table holds the cluster's membership (<c>--membership-storage</c>
/// or ORLEANSCHECKPOINT_MEMBERSHIP_STORAGE): the client then finds the live gateways there, as an Orleans client does.
/// </param>
public sealed record ConnectionSettings(GatewayList Gateways, string ClusterId, string ServiceId, string? MembershipStorage = null)
{
    /// <summary>How long a call may wait for its answer (Orleans' default, 30 s, when null): a call to a silo that just died gets none.</summary>
    public TimeSpan? ResponseTimeout { get; init; }

    /// <summary>The cluster id and service id of a silo that sets neither (<c>Silo:ClusterId</c>, <c>Silo:ServiceId</c>).</summary>
    public const string DefaultId = "orleans-checkpoint";

    /// <summary>The environment variable that gives <see cref="MembershipStorage"/> when <c>--membership-storage</c> does not.</summary>
    public const string MembershipStorageVariable = "ORLEANSCHECKPOINT_MEMBERSHIP_STORAGE";

    /// <summary>How the client finds the cluster, for messages.</summary>
    /// <summary>The silo's default gateway on this machine (127.0.0.1:30000), default ids.</summary>
    public static ConnectionSettings Default { get; } = new(GatewayList.Default, DefaultId, DefaultId);

    /// <summary>The gateways of <paramref name="gateways"/> (<c>host:port[,host:port…]</c>), default ids.</summary>
    public static ConnectionSettings ForGateways(string gateways) => new(GatewayList.Parse(gateways), DefaultId, DefaultId);

    /// <summary>The gateways that the membership table in <paramref name="storageConnectionString"/> lists (silos with <c>Silo:Clustering=AzureTable</c>), default ids.</summary>
    public static ConnectionSettings ForMembership(string storageConnectionString) => new(GatewayList.Default, DefaultId, DefaultId, storageConnectionString);

    /// <summary>How the client finds the cluster, for messages.</summary>
    public string Where => MembershipStorage is null ? Gateways.ToString() : "the gateways listed in the cluster's membership table";
}
