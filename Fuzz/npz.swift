// Fuzz target: NumPy .npz archives (ZIPFoundation, then each member as .npy). NPZ reads from a path,
// so each input is written to one scratch file per process first.
import BackpropInterop
import Foundation

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-fuzz-npz-\(getpid()).npz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard (try? Data(bytes(data, size)).write(to: scratch)) != nil else { return 0 }
    _ = try? NPZ.read(path: scratch.path)
    return 0
}
