namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>What a batch advances: in <paramref name="File"/>, up to the end of line <paramref name="Line"/> and byte <paramref name="Byte"/>; <paramref name="Ended"/>: that is the whole file.</summary>
internal sealed record FileProgress(string File, long Line, long Byte, bool Ended, int DeadLetters);
