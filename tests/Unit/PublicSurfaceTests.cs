using System.Reflection;
using OrleansCheckpoint.Grains;
using Xunit;

namespace OrleansCheckpoint.Tests.Unit;

/// <summary>
/// What a cluster client compiles against (the Abstractions and Client packages) holds the job API and the client's
/// operations, not the runtime's grain protocol: that is internal to the Runtime assembly.
/// </summary>
public sealed class PublicSurfaceTests
{
    private static readonly Assembly[] ClientFacing = [typeof(IJobManagerGrain).Assembly, typeof(CheckpointClient).Assembly];

    [Theory]
    [InlineData("IOperatorGrain")]
    [InlineData("IJobManagerGateway")]
    [InlineData("ICheckpointCoordinatorGateway")]
    [InlineData("IResultTableGrain")]
    [InlineData("ChannelBatch")]
    [InlineData("CheckpointBarrier")]
    [InlineData("TaskDeployment")]
    [InlineData("FinalCommit")]
    public void No_type_of_the_runtime_protocol_is_public_to_clients(string name)
    {
        Assert.DoesNotContain(ClientFacing.SelectMany(a => a.GetExportedTypes()), t => t.Name == name || t.Name.StartsWith(name + "`", StringComparison.Ordinal));
        Assert.Contains(typeof(OrleansCheckpoint.Runtime.Hosting.CheckpointTls).Assembly.GetTypes(), t => t.Name == name && !t.IsPublic);
    }

    [Fact]
    public void The_grains_a_client_may_call_answer_only_operations_and_queries()
    {
        string[] protocol = ["ReportFailureAsync", "ReportFinishedAsync", "EndInputAsync", "AcknowledgeCheckpointAsync", "DeclineCheckpointAsync", "DeliverAsync", "DeployAsync", "CancelAsync"];
        var methods = ClientFacing.SelectMany(a => a.GetExportedTypes()).Where(t => t.IsInterface && typeof(IAddressable).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods().Select(m => $"{t.Name}.{m.Name}"));

        Assert.DoesNotContain(methods, m => protocol.Any(p => m.EndsWith("." + p, StringComparison.Ordinal)));
    }
}
