namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// Merges streams of one type into one (Flink's <c>union</c>): each input is read one to one (instance p of the union
/// reads instance p of every input), so the inputs need the union's parallelism. Its instances align checkpoint barriers
/// over all their input channels and take the lowest of their watermarks, like any operator with several channels.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class UnionTransformation<T> : Transformation
{
    internal UnionTransformation(string uid, IReadOnlyList<InputEdge> inputs)
        : base(uid, inputs)
    {
    }

    /// <inheritdoc />
    public override Type OutputType => typeof(T);

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitUnion(this);
}
