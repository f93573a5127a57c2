namespace OrleansCheckpoint.Runtime.State;

/// <summary>A section of a piece as read: the operator it belongs to, its table, and its entries still encoded.</summary>
internal sealed record PieceSection(string Uid, string Table, int Count, ReadOnlyMemory<byte> Entries);

/// <summary>
/// The layout of a state piece: a version, the number of sections, then per section the operator's uid, the table's
/// name, the byte length of its entries and the entries (see <see cref="StateEntries"/>). A table may appear in
/// several sections of one piece; they apply in order. Integrity is the store's business (a checksum over the payload).
/// </summary>
internal static class StatePieceCodec
{
    public const int Version = 1;

    public static byte[] Encode(IReadOnlyList<(string Uid, IStateSection Section)> sections, StateCodecs codecs)
    {
        using var writer = new StateWriter(64 * 1024);
        writer.WriteVarUInt64(Version);
        writer.WriteVarUInt64((ulong)sections.Count);
        foreach (var (uid, section) in sections)
        {
            writer.WriteString(uid);
            writer.WriteString(section.Table);
            var length = writer.ReserveInt32();
            section.Write(writer, codecs);
            writer.PatchInt32(length, writer.Position - length - 4);
        }

        return writer.ToArray();
    }

    public static IReadOnlyList<PieceSection> Decode(ReadOnlyMemory<byte> payload)
    {
        var reader = new StateReader(payload);
        var version = reader.ReadVarUInt64();
        if (version != Version)
        {
            throw new FormatException($"State piece format version {version} is not supported (this version reads {Version}).");
        }

        var count = reader.ReadVarUInt64();
        var sections = new List<PieceSection>();
        for (ulong i = 0; i < count; i++)
        {
            var uid = reader.ReadString() ?? throw new FormatException($"Section {i} of a state piece has no operator uid.");
            var table = reader.ReadString() ?? throw new FormatException($"Section {i} of a state piece has no table name.");
            var entries = reader.TakeMemory(reader.ReadInt32());
            sections.Add(new PieceSection(uid, table, checked((int)new StateReader(entries).ReadVarUInt64()), entries));
        }

        return sections;
    }
}
