// Fuzz target: gzip/zlib streams through zlib (Gzip.decompress), bounded output.
import Backprop
@testable import BackpropTraining

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    if let out = try? Gzip.decompress(input, path: "fuzz", limit: 1 << 20) { precondition(out.count <= 1 << 20) }
    if let head = try? Gzip.decompress(input, path: "fuzz", limit: 100, prefixOnly: true) { precondition(head.count <= 100) }
    return 0
}
