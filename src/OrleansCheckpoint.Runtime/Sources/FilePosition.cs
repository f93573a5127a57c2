using System.Collections.Immutable;

namespace OrleansCheckpoint.Runtime.Sources;

/// <summary>Where a file source instance is: the files it has read whole, and the one it reads with the lines and bytes read of it.</summary>
internal sealed record FilePosition(ImmutableSortedSet<string> Done, string? Current, long Line, long Byte)
{
    public static readonly FilePosition Start = new(ImmutableSortedSet.Create<string>(StringComparer.Ordinal), null, 0, 0);
}
