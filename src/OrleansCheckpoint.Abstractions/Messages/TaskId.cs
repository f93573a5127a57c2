using System.Globalization;

namespace OrleansCheckpoint.Messages;

/// <summary>
/// One instance of an operator: the job, the operator's uid (for a chain of operators, the uid of its first
/// operator) and the partition. Its grain key is <c>job/operator/partition</c>.
/// </summary>
/// <param name="Job">The job's name.</param>
/// <param name="Operator">The operator's uid.</param>
/// <param name="Partition">The partition, from 0 to the operator's parallelism - 1.</param>
[GenerateSerializer, Immutable]
public readonly record struct TaskId([property: Id(0)] string Job, [property: Id(1)] string Operator, [property: Id(2)] int Partition)
{
    /// <summary>The grain key <c>job/operator/partition</c>.</summary>
    public string GrainKey => $"{Job}/{Operator}/{Partition.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses a grain key <c>job/operator/partition</c>.</summary>
    public static TaskId Parse(string grainKey)
    {
        var parts = grainKey.Split('/');
        if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
        {
            throw new FormatException($"'{grainKey}' is not a task key of the form job/operator/partition.");
        }

        return new TaskId(parts[0], parts[1], partition);
    }

    /// <inheritdoc />
    public override string ToString() => GrainKey;
}
