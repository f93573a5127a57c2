using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Messages;

namespace OrleansCheckpoint.Runtime.Graph;

/// <summary>
/// A job's physical plan: its operators grouped into chains (vertices), each with a parallelism and its
/// input and output channels. Consecutive operators joined by a forward edge with the same parallelism,
/// where the upstream has no other consumer, run in one instance (Flink's operator chaining): records pass
/// between them by a method call instead of a grain call. Every vertex instance is one operator grain.
/// </summary>
internal sealed class PhysicalPlan
{
    private PhysicalPlan(JobGraph graph, int parallelism, int maxParallelism, IReadOnlyList<Vertex> vertices)
    {
        Graph = graph;
        Parallelism = parallelism;
        MaxParallelism = maxParallelism;
        Vertices = vertices;
    }

    public JobGraph Graph { get; }

    public int Parallelism { get; }

    public int MaxParallelism { get; }

    public IReadOnlyList<Vertex> Vertices { get; }

    public IEnumerable<Vertex> Sources => Vertices.Where(v => v.Inputs.Count == 0);

    public IEnumerable<TaskId> AllTasks => Vertices.SelectMany(v => Enumerable.Range(0, v.Parallelism).Select(p => new TaskId(Graph.JobName, v.Uid, p)));

    public Vertex this[string uid] => Vertices.FirstOrDefault(v => v.Uid == uid)
        ?? throw new KeyNotFoundException($"Job '{Graph.JobName}' has no operator chain '{uid}'.");

    public Vertex VertexOf(Transformation transformation) => Vertices.First(v => v.Chain.Contains(transformation));

    public static PhysicalPlan Build(JobGraph graph, int parallelism, int maxParallelism)
    {
        if (parallelism < 1 || parallelism > maxParallelism)
        {
            throw new ArgumentOutOfRangeException(nameof(parallelism), parallelism, $"Parallelism must be between 1 and the maximum parallelism {maxParallelism}.");
        }

        int ParallelismOf(Transformation t) => t.Parallelism ?? parallelism;
        var consumers = graph.Transformations.ToDictionary(t => t, t => graph.Transformations.Count(c => c.Inputs.Any(e => e.Upstream == t)));

        foreach (var t in graph.Transformations)
        {
            if (ParallelismOf(t) > maxParallelism)
            {
                throw new InvalidJobGraphException($"Operator '{t.Uid}' has parallelism {ParallelismOf(t)}, above the maximum parallelism {maxParallelism}.");
            }

            foreach (var edge in t.Inputs.Where(e => e.Partitioning == Partitioning.Forward && ParallelismOf(e.Upstream) != ParallelismOf(t)))
            {
                throw new InvalidJobGraphException(
                    $"Operator '{t.Uid}' (parallelism {ParallelismOf(t)}) reads '{edge.Upstream.Uid}' (parallelism {ParallelismOf(edge.Upstream)}) with a forward edge; " +
                    "use the same parallelism, or Rebalance()/KeyBy() between them.");
            }
        }

        // Group into chains: a transformation joins its input's chain when the edge is forward, the parallelism
        // is the same and it is the input's only consumer. A side output never joins: its producer ends a chain.
        var chainOf = new Dictionary<Transformation, List<Transformation>>();
        var chains = new List<List<Transformation>>();
        foreach (var t in graph.Transformations)
        {
            if (t.Inputs is [{ Partitioning: Partitioning.Forward } edge] && consumers[edge.Upstream] == 1 && ParallelismOf(edge.Upstream) == ParallelismOf(t)
                && !IsSideOutput(t))
            {
                var chain = chainOf[edge.Upstream];
                chain.Add(t);
                chainOf[t] = chain;
            }
            else
            {
                var chain = new List<Transformation> { t };
                chains.Add(chain);
                chainOf[t] = chain;
            }
        }

        var index = chains.Select((c, i) => (c, i)).ToDictionary(x => x.c[0], x => x.i);
        int VertexIndexOf(Transformation t) => index[chainOf[t][0]];

        var vertices = chains.Select((chain, i) => new Vertex(
            i,
            chain[0].Uid,
            chain,
            ParallelismOf(chain[0]),
            chain[0].Inputs.Select(e => new VertexInput(VertexIndexOf(e.Upstream), ParallelismOf(e.Upstream), e)).ToList(),
            graph.Transformations
                .SelectMany(c => c.Inputs.Where(e => e.Upstream == chain[^1] && chainOf[c] != chain).Select(e => new VertexOutput(VertexIndexOf(c), chainOf[c][0].Uid, ParallelismOf(c), e)))
                .ToList())).ToList();
        return new PhysicalPlan(graph, parallelism, maxParallelism, vertices);
    }

    private static bool IsSideOutput(Transformation t) =>
        t.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(SideOutputTransformation<>);

    public IReadOnlyList<OperatorInfo> Describe() =>
        Vertices.Select(v => new OperatorInfo(
            v.Uid,
            v.Chain.Select(t => t.Uid).ToList(),
            v.Parallelism,
            v.Inputs.Select(i => new OperatorInput(Vertices[i.UpstreamVertex].Uid, i.Edge.Partitioning.ToString())).ToList())).ToList();
}

/// <summary>A chain of operators that runs as one instance per partition.</summary>
internal sealed record Vertex(int Index, string Uid, IReadOnlyList<Transformation> Chain, int Parallelism, IReadOnlyList<VertexInput> Inputs, IReadOnlyList<VertexOutput> Outputs)
{
    /// <summary>The number of input channels of each instance: every upstream instance it can receive from.</summary>
    public int InputChannelCount => Inputs.Sum(i => i.Edge.Partitioning == Partitioning.Forward ? 1 : i.UpstreamParallelism);
}

/// <summary>An input edge of a vertex, from the upstream vertex at <paramref name="UpstreamVertex"/>.</summary>
internal sealed record VertexInput(int UpstreamVertex, int UpstreamParallelism, InputEdge Edge);

/// <summary>An output edge of a vertex, to the downstream vertex at <paramref name="DownstreamVertex"/>.</summary>
internal sealed record VertexOutput(int DownstreamVertex, string DownstreamUid, int DownstreamParallelism, InputEdge Edge);
