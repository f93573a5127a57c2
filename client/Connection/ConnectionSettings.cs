namespace OrleansCheckpoint.Cli.Connection;

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
internal sealed record ConnectionSettings(GatewayList Gateways, string ClusterId, string ServiceId, string? MembershipStorage = null)
{
    /// <summary>How long a call may wait for its answer (Orleans' default, 30 s, when null): a call to a silo that just died gets none.</summary>
    public TimeSpan? ResponseTimeout { get; init; }

    public const string DefaultId = "orleans-checkpoint";

    /// <summary>The environment variable that gives <see cref="MembershipStorage"/> when <c>--membership-storage</c> does not.</summary>
    public const string MembershipStorageVariable = "ORLEANSCHECKPOINT_MEMBERSHIP_STORAGE";

    /// <summary>How the client finds the cluster, for messages.</summary>
    public string Where => MembershipStorage is null ? Gateways.ToString() : "the gateways listed in the cluster's membership table";
}
