namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// A stream whose every record goes to every instance of the operator that reads it (<see cref="DataStream{T}.Broadcast"/>):
/// a low-volume stream of rules or configuration, connected to a keyed stream with
/// <see cref="KeyedStream{T, TKey}.Connect{TBroadcast}(BroadcastStream{TBroadcast})"/> and held in broadcast state.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class BroadcastStream<T>
{
    internal BroadcastStream(DataStream<T> stream) => Stream = stream;

    internal DataStream<T> Stream { get; }

    internal InputEdge Edge() => new(Stream.Transformation, Partitioning.Broadcast);
}
