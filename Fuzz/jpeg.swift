// Fuzz target: JPEG images through libjpeg-turbo as image folders read them (ImageFile.decodePixels),
// then converted to gray and resized. Inputs not starting with JPEG's first byte are skipped.
import Backprop

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    guard input.first == 0xFF else { return 0 }
    guard let image = try? ImageFile.decodePixels(input, path: "fuzz") else { return 0 }
    precondition(image.width > 0 && image.height > 0 && image.samples.count == image.width * image.height * image.channels)
    if image.width * image.height <= 1 << 16 {
        _ = image.converted(toChannels: 1).resized(height: 16, width: 12)
    }
    return 0
}
