namespace OrleansCheckpoint.Dataflow;

/// <summary>
/// The records an operator routes to one of its side outputs (a window's records later than its allowed lateness), as a
/// stream of their own. Its input edge is forward from the producing operator, and it never runs chained onto it: the
/// producer is always the last of its chain, so its writers into this edge carry <typeparamref name="T"/> beside its main
/// output. Its uid is the producer's and the tag's (<c>{producer}.{tag}</c>); it has the producer's parallelism.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class SideOutputTransformation<T> : Transformation<T, T>
{
    internal SideOutputTransformation(Transformation producer, OutputTag<T> tag)
        : base($"{producer.Uid}.{tag.Id}", new InputEdge(producer, Partitioning.Forward))
    {
        Tag = tag;
        Parallelism = producer.Parallelism;
    }

    /// <summary>The tag that names this side output.</summary>
    public OutputTag<T> Tag { get; }

    /// <summary>The operator whose side output this is.</summary>
    public Transformation Producer => Inputs[0].Upstream;

    /// <inheritdoc />
    public override TResult Accept<TResult>(ITransformationVisitor<TResult> visitor) => visitor.VisitSideOutput(this);
}
