// Fuzz target: NumPy .npy files (header, dtype, shape, data; object arrays through the Unpickler).
import BackpropInterop

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = try? NPY.parse(bytes(data, size), path: "fuzz")
    return 0
}
