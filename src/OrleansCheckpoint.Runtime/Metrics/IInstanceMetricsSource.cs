using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Metrics;

/// <summary>A running operator instance whose figures the metrics read (from any thread).</summary>
internal interface IInstanceMetricsSource
{
    /// <summary>The instance's figures now.</summary>
    InstanceMetrics ReadMetrics();
}
