using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Extracts the key of a record and hashes it stably: the same key gives the same hash in every process,
/// on every machine and in every version, so key groups (and therefore state) stay where they are across
/// restarts and rescaling. <see cref="object.GetHashCode"/> of a string is randomised per process and is never used.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <typeparam name="TKey">The key type: <see cref="string"/>, an integer type, <see cref="Guid"/>, or a type whose
/// <see cref="object.ToString"/> is a stable function of its value (records and tuples of those).</typeparam>
public sealed class KeySelector<T, TKey>
    where TKey : notnull
{
    private readonly Func<T, TKey> _select;

    /// <summary>Creates a key selector from a function of the record.</summary>
    public KeySelector(Func<T, TKey> select) => _select = select ?? throw new ArgumentNullException(nameof(select));

    /// <summary>The key of <paramref name="record"/>.</summary>
    public TKey GetKey(T record) => _select(record);

    /// <summary>The stable hash of <paramref name="record"/>'s key.</summary>
    public ulong HashOf(T record) => StableKeyHash.Of(_select(record));
}

/// <summary>The stable 64-bit hash (XxHash3 of the key's bytes) used to assign keys to key groups.</summary>
public static class StableKeyHash
{
    /// <summary>The stable hash of <paramref name="key"/>.</summary>
    public static ulong Of<TKey>(TKey key)
        where TKey : notnull
    {
        Span<byte> buffer = stackalloc byte[16];
        switch (key)
        {
            case string s:
                return OfString(s);
            case int i:
                BitConverter.TryWriteBytes(buffer, (long)i);
                return XxHash3.HashToUInt64(buffer[..8]);
            case long l:
                BitConverter.TryWriteBytes(buffer, l);
                return XxHash3.HashToUInt64(buffer[..8]);
            case Guid g:
                g.TryWriteBytes(buffer);
                return XxHash3.HashToUInt64(buffer);
            case IFormattable f:
                return OfString(f.ToString(null, CultureInfo.InvariantCulture));
            default:
                return OfString(key.ToString() ?? string.Empty);
        }
    }

    private static ulong OfString(string s)
    {
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (max <= 256)
        {
            Span<byte> bytes = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(s, bytes);
            return XxHash3.HashToUInt64(bytes[..n]);
        }

        return XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(s));
    }
}
