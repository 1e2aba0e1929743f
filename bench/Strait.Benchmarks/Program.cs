using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Strait.Benchmarks.CodecBenchmarks).Assembly).Run(args);
