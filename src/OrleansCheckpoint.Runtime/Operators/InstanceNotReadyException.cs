using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>
/// A batch of a newer generation than the receiving instance runs: its deployment of that generation has not been
/// installed yet. Not a failure: the sender sends the same batch again a little later. Travels back to the sender.
/// </summary>
[GenerateSerializer]
internal sealed class InstanceNotReadyException : Errors.StreamJobException
{
    public InstanceNotReadyException(TaskId task, long generation, long running)
        : base($"{task} is not deployed for generation {generation} yet (it runs generation {running}); send again")
    {
    }
}
