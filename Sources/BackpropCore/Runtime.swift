// BackpropCore builds on BackpropRuntime (threads, the worker pool, the seeded generator) and passes it
// on: `import BackpropCore` sees `Threads`, `BLASInfo` and `SeededGenerator` as before the split.
@_exported import BackpropRuntime
