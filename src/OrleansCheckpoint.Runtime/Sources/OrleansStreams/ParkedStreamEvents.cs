namespace OrleansCheckpoint.Runtime.Sources.OrleansStreams;

/// <summary>
/// The events a stream's consumer holds back, durably, because they arrived before an earlier event of their producer
/// (a message delivered again after newer ones): per source and producer (<see cref="StreamEventForwarder.ParkingKey"/>),
/// the events by number. Each is logged once its predecessors are.
/// </summary>
[GenerateSerializer]
internal sealed class ParkedStreamEvents
{
    [Id(0)]
    public Dictionary<string, SortedDictionary<long, string>> Events { get; set; } = [];

    /// <summary>How many events are held back in all.</summary>
    public int Count => Events.Values.Sum(e => e.Count);
}
