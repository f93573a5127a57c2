using System.Buffers.Binary;
using System.Text;

namespace OrleansCheckpoint.Runtime.State;

/// <summary>Reads what <see cref="StateWriter"/> wrote; a truncated or malformed input is a <see cref="FormatException"/>.</summary>
internal sealed class StateReader(ReadOnlyMemory<byte> input)
{
    private int _position;

    public bool AtEnd => _position >= input.Length;

    public byte ReadByte() => Take(1)[0];

    public ulong ReadVarUInt64()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("A variable-length integer of state runs past 64 bits.");
    }

    public long ReadVarInt64()
    {
        var raw = ReadVarUInt64();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    public int ReadLength()
    {
        var length = ReadVarUInt64();
        return length <= (ulong)(input.Length - _position) ? (int)length : throw new FormatException($"A length of {length} runs past the end of the state ({input.Length - _position} bytes left).");
    }

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public Guid ReadGuid() => new(Take(16));

    public string? ReadString()
    {
        var length = ReadVarUInt64();
        return length == 0 ? null : Encoding.UTF8.GetString(Take(checked((int)length - 1)));
    }

    public ReadOnlyMemory<byte> ReadBytes() => TakeMemory(ReadLength());

    public ReadOnlyMemory<byte> TakeMemory(int count)
    {
        if (count < 0 || _position + count > input.Length)
        {
            throw new FormatException($"State ends after {input.Length} bytes, {count} more were expected at {_position}.");
        }

        var memory = input.Slice(_position, count);
        _position += count;
        return memory;
    }

    private ReadOnlySpan<byte> Take(int count) => TakeMemory(count).Span;
}
