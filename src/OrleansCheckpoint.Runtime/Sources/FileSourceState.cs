using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>A file source partition's snapshot: its source position (offset, watermark), the files read, the current file's offsets, and its dead letters.</summary>
[GenerateSerializer, Immutable]
internal sealed record FileSourceState(
    [property: Id(0)] SourceState Source,
    [property: Id(1)] string[] Done,
    [property: Id(2)] string? Current,
    [property: Id(3)] long Line,
    [property: Id(4)] long Byte,
    [property: Id(5)] long DeadLetters);
