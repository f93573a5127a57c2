using System.Text;
using Orleans.Storage;

namespace OrleansCheckpoint.Runtime.Checkpointing;

/// <summary>
/// The grain-storage serializer of the runtime's checkpoint storage. A snapshot is stored as its raw payload
/// behind a small header (<c>OCSNAP1\n</c>, then the checksum as 16 hex digits): no base64 inside a JSON
/// document, which made every snapshot a third larger and cost a JSON writer pass over it. Everything else —
/// the human-readable checkpoint manifests — goes to the JSON serializer, and a snapshot stored as JSON (by an
/// earlier version) still reads. Incremental checkpoints store an index (<c>OCINDX1\n</c>) and pieces
/// (<c>OCPIEC1\n</c>) with the same header layout; the magic says which format the payload has.
/// </summary>
internal sealed class SnapshotBlobSerializer(IGrainStorageSerializer json) : IGrainStorageSerializer
{
    private static readonly byte[] Magic = "OCSNAP1\n"u8.ToArray();
    private static readonly byte[] IndexMagic = "OCINDX1\n"u8.ToArray();
    private static readonly byte[] PieceMagic = "OCPIEC1\n"u8.ToArray();
    private const int ChecksumLength = 16;
    private static readonly int HeaderLength = Magic.Length + ChecksumLength;

    public BinaryData Serialize<T>(T? input)
    {
        if (input is not StoredSnapshot snapshot)
        {
            return json.Serialize(input);
        }

        if (snapshot.Checksum.Length != ChecksumLength)
        {
            throw new ArgumentException($"A snapshot checksum has {ChecksumLength} hex digits, not '{snapshot.Checksum}'.", nameof(input));
        }

        var content = new byte[HeaderLength + snapshot.Payload.Length];
        (snapshot.Format switch { SnapshotFormat.Index => IndexMagic, SnapshotFormat.Piece => PieceMagic, _ => Magic }).CopyTo(content, 0);
        Encoding.ASCII.GetBytes(snapshot.Checksum, content.AsSpan(Magic.Length));
        snapshot.Payload.CopyTo(content, HeaderLength);
        return BinaryData.FromBytes(content);
    }

    public T? Deserialize<T>(BinaryData input)
    {
        var content = input.ToMemory();
        SnapshotFormat? format = typeof(T) != typeof(StoredSnapshot) ? null
            : content.Span.StartsWith(Magic) ? SnapshotFormat.Whole
            : content.Span.StartsWith(IndexMagic) ? SnapshotFormat.Index
            : content.Span.StartsWith(PieceMagic) ? SnapshotFormat.Piece
            : null;
        if (format is null)
        {
            return json.Deserialize<T>(input);
        }

        if (content.Length < HeaderLength)
        {
            throw new FormatException($"A stored snapshot of {content.Length} bytes is shorter than its {HeaderLength}-byte header.");
        }

        object snapshot = new StoredSnapshot
        {
            Checksum = Encoding.ASCII.GetString(content.Span[Magic.Length..HeaderLength]),
            Payload = content[HeaderLength..].ToArray(),
            Format = format.Value,
        };
        return (T)snapshot;
    }
}
