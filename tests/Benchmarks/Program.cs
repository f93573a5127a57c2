using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Micro-benchmarks of the hot paths: `dotnet run -c Release --project tests/Benchmarks -- --filter '*'`
// (or a class name, e.g. --filter '*Routing*'). They run in this process (no generated projects to build),
// with a short job: a few seconds each. Speed of the whole engine is measured by `client bench`.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(OrleansCheckpoint.Benchmarks.SampleData).Assembly).Run(args, config);
