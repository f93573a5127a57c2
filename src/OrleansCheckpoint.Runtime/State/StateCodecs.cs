using System.Collections.Concurrent;
using Orleans.Serialization;

namespace OrleansCheckpoint.Runtime.State;

/// <summary>Writes and reads values of one type in a state piece.</summary>
/// <typeparam name="T">The type.</typeparam>
internal interface IStateCodec<T>
{
    void Write(StateWriter writer, T value);

    T Read(StateReader reader);
}

/// <summary>
/// The codecs of keys and values in state pieces: a fixed binary layout for the common types (integers, strings,
/// doubles, booleans, Guids, times, and the runtime's window keys and timers built from them) and, for any other type,
/// Orleans' serializer per value — a fresh session each, so no reference table grows over a piece of millions of
/// entries (the cost that made whole-state snapshots with Orleans' codec slow). Codecs are built once per type.
/// </summary>
internal sealed class StateCodecs(Serializer serializer)
{
    private readonly ConcurrentDictionary<Type, object> _codecs = new();

    public IStateCodec<T> For<T>() => (IStateCodec<T>)_codecs.GetOrAdd(typeof(T), static (type, self) => self.Create(type), this);

    private object Create(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Operators.WindowKey<>))
        {
            return Activator.CreateInstance(typeof(WindowKeyCodec<>).MakeGenericType(type.GenericTypeArguments[0]), this)!;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(EventTimeTimer<>))
        {
            return Activator.CreateInstance(typeof(TimerCodec<>).MakeGenericType(type.GenericTypeArguments[0]), this)!;
        }

        return type switch
        {
            _ when type == typeof(long) => new Int64Codec(),
            _ when type == typeof(int) => new Int32Codec(),
            _ when type == typeof(string) => new StringCodec(),
            _ when type == typeof(double) => new DoubleCodec(),
            _ when type == typeof(bool) => new BooleanCodec(),
            _ when type == typeof(byte) => new ByteCodec(),
            _ when type == typeof(Guid) => new GuidCodec(),
            _ when type == typeof(DateTimeOffset) => new DateTimeOffsetCodec(),
            _ when type == typeof(DateTime) => new DateTimeCodec(),
            _ => Activator.CreateInstance(typeof(OrleansCodec<>).MakeGenericType(type), serializer)!,
        };
    }

    private sealed class Int64Codec : IStateCodec<long>
    {
        public void Write(StateWriter writer, long value) => writer.WriteVarInt64(value);

        public long Read(StateReader reader) => reader.ReadVarInt64();
    }

    private sealed class Int32Codec : IStateCodec<int>
    {
        public void Write(StateWriter writer, int value) => writer.WriteVarInt64(value);

        public int Read(StateReader reader) => checked((int)reader.ReadVarInt64());
    }

    private sealed class StringCodec : IStateCodec<string>
    {
        public void Write(StateWriter writer, string value) => writer.WriteString(value);

        public string Read(StateReader reader) => reader.ReadString()!;
    }

    private sealed class DoubleCodec : IStateCodec<double>
    {
        public void Write(StateWriter writer, double value) => writer.WriteDouble(value);

        public double Read(StateReader reader) => reader.ReadDouble();
    }

    private sealed class BooleanCodec : IStateCodec<bool>
    {
        public void Write(StateWriter writer, bool value) => writer.WriteByte(value ? (byte)1 : (byte)0);

        public bool Read(StateReader reader) => reader.ReadByte() != 0;
    }

    private sealed class ByteCodec : IStateCodec<byte>
    {
        public void Write(StateWriter writer, byte value) => writer.WriteByte(value);

        public byte Read(StateReader reader) => reader.ReadByte();
    }

    private sealed class GuidCodec : IStateCodec<Guid>
    {
        public void Write(StateWriter writer, Guid value) => writer.WriteGuid(value);

        public Guid Read(StateReader reader) => reader.ReadGuid();
    }

    private sealed class DateTimeOffsetCodec : IStateCodec<DateTimeOffset>
    {
        public void Write(StateWriter writer, DateTimeOffset value)
        {
            writer.WriteInt64(value.Ticks);
            writer.WriteVarInt64((long)value.Offset.TotalMinutes);
        }

        public DateTimeOffset Read(StateReader reader) => new(reader.ReadInt64(), TimeSpan.FromMinutes(reader.ReadVarInt64()));
    }

    private sealed class DateTimeCodec : IStateCodec<DateTime>
    {
        public void Write(StateWriter writer, DateTime value) => writer.WriteInt64(value.ToBinary());

        public DateTime Read(StateReader reader) => DateTime.FromBinary(reader.ReadInt64());
    }

    private sealed class WindowKeyCodec<TKey>(StateCodecs codecs) : IStateCodec<Operators.WindowKey<TKey>>
    {
        private readonly IStateCodec<TKey> _key = codecs.For<TKey>();

        public void Write(StateWriter writer, Operators.WindowKey<TKey> value)
        {
            _key.Write(writer, value.Key);
            writer.WriteVarInt64(value.Start);
        }

        public Operators.WindowKey<TKey> Read(StateReader reader) => new(_key.Read(reader), reader.ReadVarInt64());
    }

    private sealed class TimerCodec<TKey>(StateCodecs codecs) : IStateCodec<EventTimeTimer<TKey>>
    {
        private readonly IStateCodec<TKey> _key = codecs.For<TKey>();

        public void Write(StateWriter writer, EventTimeTimer<TKey> value)
        {
            _key.Write(writer, value.Key);
            writer.WriteVarInt64(value.Time);
        }

        public EventTimeTimer<TKey> Read(StateReader reader) => new(_key.Read(reader), reader.ReadVarInt64());
    }

    // Any other type: Orleans' codec for one value at a time (its own session, dropped after the value).
    private sealed class OrleansCodec<T>(Serializer serializer) : IStateCodec<T>
    {
        private readonly Serializer<T> _serializer = serializer.GetSerializer<T>();

        public void Write(StateWriter writer, T value) => writer.WriteBytes(_serializer.SerializeToArray(value));

        public T Read(StateReader reader) => _serializer.Deserialize(reader.ReadBytes())!;
    }
}
