using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Http.Api.Views;

/// <summary>An operator (chain) of a job: its inputs and its instances' keys (<c>job/operator/partition</c>).</summary>
internal sealed record OperatorView(
    string Uid,
    IReadOnlyList<string> Chain,
    int Parallelism,
    IReadOnlyList<OperatorInput> Inputs,
    IReadOnlyList<string> Instances);
