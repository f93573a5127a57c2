using OrleansCheckpoint.Cli.Results;

namespace OrleansCheckpoint.Cli.Demo;

/// <summary>The window counts the demo received: how many windows, and the sum of their counts per endpoint.</summary>
internal sealed class WindowTally
{
    private readonly Dictionary<string, long> _sums = new(StringComparer.Ordinal);

    public long Windows { get; private set; }

    public long Total => _sums.Values.Sum();

    public void Add(string record)
    {
        if (!WindowCount.TryParse(record, out var window))
        {
            return; // request-counter publishes only window counts
        }

        Windows++;
        _sums[window.Key] = SumOf(window.Key) + window.Value;
    }

    public long SumOf(string endpoint) => _sums.GetValueOrDefault(endpoint);
}
