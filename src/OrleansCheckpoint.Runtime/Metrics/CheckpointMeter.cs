namespace OrleansCheckpoint.Runtime.Metrics;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics.Meter"/> of the runtime: its instruments carry Flink's metric names where
/// Flink has one (see the README, "Metrics"), each tagged <c>job</c>, and per instance also <c>operator</c> and
/// <c>partition</c>. Listen to it with OpenTelemetry (<c>AddMeter(CheckpointMeter.Name)</c>) or <c>dotnet-counters</c>.
/// </summary>
public static class CheckpointMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "OrleansCheckpoint";
}
