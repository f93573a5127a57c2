using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;
using OrleansCheckpoint.Runtime.Operators;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>A file source instance as its reader (<see cref="FileSourceReader"/>) and the instance's loop see it.</summary>
internal interface IFileSourceOperator : ISourceOperator
{
    FileSourceSettings Settings { get; }

    SourceFileFormat Format { get; }

    /// <summary>The position processed: files read, and the file being read with its line and byte offset (the restored one, before the reader starts).</summary>
    FilePosition Files { get; }

    /// <summary>
    /// Parses <paramref name="records"/> of <paramref name="file"/> into a batch, and the ones it rejects into
    /// <paramref name="letters"/>. Called off the grain's scheduler: it touches nothing the processing path writes.
    /// </summary>
    ChannelBatch Parse(string file, IReadOnlyList<FileRecord> records, IReadOnlyList<string>? header, long generation, List<DeadLetter> letters);

    /// <summary>Tells the position <paramref name="batch"/> reaches, once processed (the batch is queued at the gate next).</summary>
    void Reaches(ChannelBatch batch, FileProgress progress);
}
