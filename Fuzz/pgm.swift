// Fuzz target: PGM images (P2/P5, our own reader) as `backprop predict` reads them (ImageFile.decode),
// then resized to 28×28. Inputs not starting with "P" are skipped (the png target covers PNG).
import Backprop

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPGM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    guard input.first == UInt8(ascii: "P") else { return 0 }
    guard let image = try? ImageFile.decode(input, path: "fuzz") else { return 0 }
    precondition(image.width > 0 && image.height > 0 && image.pixels.count == image.width * image.height)
    if image.width * image.height <= 1 << 16 {
        _ = ImageFile.resize(image.pixels, width: image.width, height: image.height, to: 28)
    }
    return 0
}
