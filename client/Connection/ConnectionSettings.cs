namespace OrleansCheckpoint.Client.Connection;

/// <summary>Where the cluster is and who it is: the gateway and the ids that must match the silo's <c>Silo:ClusterId</c> / <c>Silo:ServiceId</c>.</summary>
internal sealed record ConnectionSettings(GatewayAddress Gateway, string ClusterId, string ServiceId)
{
    public const string DefaultId = "orleans-checkpoint";
}
