namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Names a side output of records of type <typeparamref name="T"/> (Flink's <c>OutputTag</c>): a window declares it with
/// <c>SideOutputLateData(tag)</c>, and the window's result stream gives its records with
/// <see cref="DataStream{T}.GetSideOutput{TSide}(OutputTag{TSide})"/>. Two tags with the same id name the same side output.
/// </summary>
/// <typeparam name="T">The type of the side output's records.</typeparam>
public sealed class OutputTag<T>
{
    /// <summary>A tag named <paramref name="id"/> (part of the side output's operator uid: no '/', '\', '#', '?' or spaces).</summary>
    public OutputTag(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Any(c => c is '/' or '\\' or '#' or '?' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException(
                $"Output tag id '{id}' is not valid: use a non-empty name without '/', '\\', '#', '?' or spaces.", nameof(id));
        }

        Id = id;
    }

    /// <summary>The tag's name.</summary>
    public string Id { get; }

    /// <inheritdoc />
    public override string ToString() => $"OutputTag<{typeof(T).Name}> '{Id}'";
}
