namespace OrleansCheckpoint.Messages;

/// <summary>What an operator instance needs to run: the job's generation and the shape of its physical plan.</summary>
/// <param name="Task">The instance.</param>
/// <param name="Generation">The job's generation.</param>
/// <param name="Parallelism">The job's default parallelism (operators without their own take it).</param>
/// <param name="MaxParallelism">The number of key groups, fixed when the job was first started.</param>
[GenerateSerializer, Immutable]
public sealed record TaskDeployment(
    [property: Id(0)] TaskId Task,
    [property: Id(1)] long Generation,
    [property: Id(2)] int Parallelism,
    [property: Id(3)] int MaxParallelism);
