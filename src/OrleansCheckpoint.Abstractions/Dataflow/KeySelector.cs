using System.Buffers.Binary;
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
    /// <exception cref="ArgumentException"><typeparamref name="TKey"/> has no stable hash (see <see cref="StableKeyHash"/>).</exception>
    public KeySelector(Func<T, TKey> select)
    {
        _select = select ?? throw new ArgumentNullException(nameof(select));
        StableKeyHash.EnsureHashable(typeof(TKey));
    }

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
                BinaryPrimitives.WriteInt64LittleEndian(buffer, i);
                return XxHash3.HashToUInt64(buffer[..8]);
            case long l:
                BinaryPrimitives.WriteInt64LittleEndian(buffer, l);
                return XxHash3.HashToUInt64(buffer[..8]);
            case Guid g:
                g.TryWriteBytes(buffer);
                return XxHash3.HashToUInt64(buffer);
            case IFormattable f:
                return OfString(f.ToString(null, CultureInfo.InvariantCulture));
            default:
                var text = key.ToString() ?? string.Empty;
                if (text == key.GetType().ToString())
                    throw new ArgumentException(NoStableHash(key.GetType()));
                return OfString(text);
        }
    }

    /// <summary>
    /// Refuses, when the job is built, a key type whose every key would hash alike: one that is none of the types
    /// hashed by value and inherits <see cref="object.ToString"/> (which gives the type's name). Keys typed as an
    /// interface, <see cref="object"/> or an unsealed class are checked per key instead.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="keyType"/> has no stable hash.</exception>
    public static void EnsureHashable(Type keyType)
    {
        ArgumentNullException.ThrowIfNull(keyType);
        if (keyType == typeof(string) || keyType == typeof(int) || keyType == typeof(long) || keyType == typeof(Guid) ||
            typeof(IFormattable).IsAssignableFrom(keyType) || !(keyType.IsValueType || keyType.IsSealed))
        {
            return;
        }

        var toString = keyType.GetMethod(nameof(ToString), Type.EmptyTypes)!;
        if (toString.DeclaringType == typeof(object) || toString.DeclaringType == typeof(ValueType))
            throw new ArgumentException(NoStableHash(keyType));
    }

    private static string NoStableHash(Type keyType) =>
        $"Key type {keyType} has no stable hash: it is not a string, integer, Guid or IFormattable, and does not override ToString, " +
        "so every key would land in one key group. Key by a string, an integer, a Guid, a record or a tuple of those, or override ToString.";

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
