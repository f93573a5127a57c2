using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Operators;
using OrleansCheckpoint.Runtime.Sinks;

namespace OrleansCheckpoint.Runtime.Inspection;

/// <summary>The outputs of operators opened to be inspected: they only restore and describe state, so any write is a bug.</summary>
internal sealed class RefusedOutputs : IResultsPublisher, IOutputFiles
{
    public static readonly RefusedOutputs Instance = new();

    public Task PublishAsync(ResultBatch batch) => throw Refused();

    public Task<bool> CreateAsync(string path, BinaryData content, CancellationToken cancellation = default) => throw Refused();

    private static InvalidOperationException Refused() => new("An operator opened for inspection wrote output: inspecting a snapshot must change nothing.");
}
