using System.Globalization;

namespace OrleansCheckpoint.Runtime.Chaos;

/// <summary>The storage writes a silo can be told to fail (<c>client chaos</c>).</summary>
public enum StorageFaultKind
{
    /// <summary>A checkpoint snapshot or manifest (the checkpoint grain storage).</summary>
    Snapshot,

    /// <summary>An ingest-log segment (a push's durable write).</summary>
    Ingest,

    /// <summary>A file sink's part file (a commit).</summary>
    Output,

    /// <summary>A job manager's state.</summary>
    Job,
}

/// <summary>
/// Storage write failures on demand, for <c>client chaos</c>: with <c>OrleansCheckpoint:FaultInjection:Directory</c> set, a
/// silo fails its next N writes of a kind when a file named after the kind (<c>snapshot</c>, <c>ingest</c>, <c>output</c>,
/// <c>job</c>) in that directory holds N. Each failed write takes one off; the file goes when none is left. The check is a
/// file-existence test per write. Never set in production.
/// </summary>
public sealed class StorageFaults(string directory)
{
    private readonly Lock _sync = new();

    /// <summary>The file that asks a silo using <paramref name="directory"/> to fail writes of <paramref name="kind"/>.</summary>
    public static string FileOf(string directory, StorageFaultKind kind) => Path.Combine(directory, kind.ToString().ToLowerInvariant());

    /// <summary>Throws an injected failure if a write of <paramref name="kind"/> is to fail now.</summary>
    public void ThrowIfFailing(StorageFaultKind kind, string what)
    {
        var file = FileOf(directory, kind);
        if (!File.Exists(file))
        {
            return;
        }

        lock (_sync)
        {
            if (!int.TryParse(ReadOrEmpty(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var remaining) || remaining <= 0)
            {
                File.Delete(file);
                return;
            }

            if (remaining == 1)
            {
                File.Delete(file);
            }
            else
            {
                File.WriteAllText(file, (remaining - 1).ToString(CultureInfo.InvariantCulture));
            }
        }

        throw new IOException($"injected storage failure (client chaos): the write of {what} failed");
    }

    private static string ReadOrEmpty(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (FileNotFoundException)
        {
            return string.Empty;
        }
    }
}
