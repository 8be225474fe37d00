// The umbrella module: `import Backprop` gives the whole library, as before the split into modules.
//
// The modules, each importing only those before it:
//   BackpropRuntime   Threads, the worker pool, BLAS's threading, the seeded random generator
//   BackpropCore      Tensor, Kernels, Layers, Networks
//   BackpropTraining  Optimizers, Data, Trainer, Checkpoints, DataParallel, Benchmarks, Gradients
//   BackpropCharts    Plots (SVG documents, charts), Graph (computational-graph drawing)
//   BackpropBook      the book's experiments and worked examples
@_exported import BackpropBook
@_exported import BackpropCharts
@_exported import BackpropCore
@_exported import BackpropRuntime
@_exported import BackpropTraining
