// Fuzz target: Python pickles (the restricted Unpickler) as the book's weight files (NumPyPickle).
import BackpropInterop

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPickle(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = try? NumPyPickle.arrays(fromPickle: bytes(data, size), path: "fuzz")
    return 0
}
