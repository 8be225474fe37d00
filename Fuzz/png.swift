// Fuzz target: PNG images through libpng as `backprop predict` reads them (ImageFile.decode), then
// resized to 28×28. Inputs not starting with PNG's first byte are skipped (the pgm target covers PGM).
import Backprop

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    guard input.first == 0x89 else { return 0 }
    guard let image = try? ImageFile.decode(input, path: "fuzz") else { return 0 }
    precondition(image.width > 0 && image.height > 0 && image.pixels.count == image.width * image.height)
    if image.width * image.height <= 1 << 16 {
        _ = ImageFile.resize(image.pixels, width: image.width, height: image.height, to: 28)
    }
    return 0
}
