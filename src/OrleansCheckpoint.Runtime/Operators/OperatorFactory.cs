using OrleansCheckpoint.Dataflow;
using OrleansCheckpoint.Runtime.Sinks;

namespace OrleansCheckpoint.Runtime.Operators;

/// <summary>Creates the runtime operator of each kind of transformation, with its generic types bound.</summary>
internal sealed class OperatorFactory : ITransformationVisitor<StreamOperator>
{
    public static readonly OperatorFactory Instance = new();

    public StreamOperator VisitSource<T>(SourceTransformation<T> source) => new SourceOperator<T>(source);

    public StreamOperator VisitGenerator<T>(GeneratorSourceTransformation<T> generator) => new GeneratorSourceOperator<T>(generator);

    public StreamOperator VisitFileSource<T>(FileSourceTransformation<T> files) => new Sources.FileSourceOperator<T>(files);

    public StreamOperator VisitMap<TIn, TOut>(MapTransformation<TIn, TOut> map) => new MapOperator<TIn, TOut>(map);

    public StreamOperator VisitFilter<T>(FilterTransformation<T> filter) => new FilterOperator<T>(filter);

    public StreamOperator VisitFlatMap<TIn, TOut>(FlatMapTransformation<TIn, TOut> flatMap) => new FlatMapOperator<TIn, TOut>(flatMap);

    public StreamOperator VisitUnion<T>(UnionTransformation<T> union) => new UnionOperator<T>(union);

    public StreamOperator VisitKeyedAggregate<T, TKey, TAcc, TOut>(KeyedAggregateTransformation<T, TKey, TAcc, TOut> aggregate)
        where TKey : notnull => new KeyedAggregateOperator<T, TKey, TAcc, TOut>(aggregate);

    public StreamOperator VisitKeyedProcess<T, TKey, TOut>(KeyedProcessTransformation<T, TKey, TOut> process)
        where TKey : notnull => new KeyedProcessOperator<T, TKey, TOut>(process);

    public StreamOperator VisitWindowAggregate<T, TKey, TAcc, TOut>(WindowAggregateTransformation<T, TKey, TAcc, TOut> window)
        where TKey : notnull => new WindowAggregateOperator<T, TKey, TAcc, TOut>(window);

    public StreamOperator VisitSessionWindowAggregate<T, TKey, TAcc, TOut>(SessionWindowAggregateTransformation<T, TKey, TAcc, TOut> sessions)
        where TKey : notnull => new SessionWindowAggregateOperator<T, TKey, TAcc, TOut>(sessions);

    public StreamOperator VisitKeyedCoProcess<T1, T2, TKey, TOut>(KeyedCoProcessTransformation<T1, T2, TKey, TOut> process)
        where TKey : notnull => new KeyedCoProcessOperator<T1, T2, TKey, TOut>(process, process.CreateFunction(), process.StateInvariants);

    public StreamOperator VisitIntervalJoin<T1, T2, TKey, TOut>(IntervalJoinTransformation<T1, T2, TKey, TOut> join)
        where TKey : notnull => new KeyedCoProcessOperator<T1, T2, TKey, TOut>(join, new Joins.IntervalJoinFunction<T1, T2, TKey, TOut>(join), []);

    public StreamOperator VisitWindowJoin<T1, T2, TKey, TOut>(WindowJoinTransformation<T1, T2, TKey, TOut> join)
        where TKey : notnull => new KeyedCoProcessOperator<T1, T2, TKey, TOut>(join, new Joins.WindowJoinFunction<T1, T2, TKey, TOut>(join), []);

    public StreamOperator VisitKeyedBroadcastProcess<T, TBroadcast, TKey, TOut>(KeyedBroadcastProcessTransformation<T, TBroadcast, TKey, TOut> process)
        where TKey : notnull => new Broadcast.KeyedBroadcastProcessOperator<T, TBroadcast, TKey, TOut>(process);

    public StreamOperator VisitSideOutput<T>(SideOutputTransformation<T> sideOutput) => new SideOutputOperator<T>(sideOutput);

    public StreamOperator VisitResultsStreamSink<T>(ResultsStreamSinkTransformation<T> sink) => new ResultsStreamSink<T>(sink);

    public StreamOperator VisitFileSink<T>(FileSinkTransformation<T> sink) => new FileSink<T>(sink);

    public StreamOperator VisitResultTableSink<TKey, TValue>(ResultTableSinkTransformation<TKey, TValue> sink)
        where TKey : notnull => new ResultTableSink<TKey, TValue>(sink);
}
