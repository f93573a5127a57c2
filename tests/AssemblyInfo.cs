using Xunit;

// The cluster tests share static fault-injection hooks (storage faults, stalling operators) and the machine's two
// cores; running the collections one after another keeps every injected fault scoped to the test that made it.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
