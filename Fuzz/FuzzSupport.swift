// Shared by every fuzz target (compiled into each): the libFuzzer entry point calls `fuzz(bytes)`.
// A thrown error is the expected outcome for almost all inputs; only a trap, a sanitizer report, a
// leak or a timeout is a finding.

/// The input as an array (libFuzzer passes a pointer and a length; the pointer may be nil when empty).
func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
