namespace OrleansCheckpoint.Dataflow;

/// <summary>A transformation that may route records to a side output (its consumed side output follows its parallelism).</summary>
internal interface ISideOutputProducer
{
    /// <summary>The side output a job reads, once <see cref="DataStream{T}.GetSideOutput{TSide}"/> made it; null before.</summary>
    Transformation? SideOutput { get; }
}
