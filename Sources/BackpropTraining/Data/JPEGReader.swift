import BackpropCore

#if canImport(CBackpropJPEG)
import CBackpropJPEG
#endif
#if canImport(CBackpropPNG)
import CBackpropPNG
#endif

/// JPEG decoding for `ImageFile` by libjpeg-turbo (Debian's libjpeg-dev, through the C wrapper in
/// Sources/CBackpropJPEG, which turns libjpeg's longjmp errors into a status), and PNG and JPEG
/// encoding (libpng's and libjpeg's writers) to make image folders from `ImagePixels`. Linux only:
/// elsewhere these throw `ImageFileError.unsupported`.
extension ImageFile {
    /// The start of every JPEG file: the SOI marker and the first byte of the next marker.
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// The JPEG in `bytes`: 1 channel for a gray JPEG, else 3 (RGB). A file that ends before its image
    /// does is refused as truncated (libjpeg would fill the rest with gray); the header's size is
    /// checked against `maximumPixels` and the file's length before the pixels are allocated.
    static func decodeJPEG(_ bytes: [UInt8], path: String) throws -> ImagePixels {
        #if canImport(CBackpropJPEG)
        var image = BackpropJPEGImage()
        let status = bytes.withUnsafeBufferPointer { buffer in
            backprop_jpeg_decode(buffer.baseAddress, buffer.count, UInt64(maximumPixels), &image)
        }
        let message = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        switch Int(status) {
        case Int(BACKPROP_JPEG_OK): break
        case Int(BACKPROP_JPEG_TOO_LARGE): throw ImageFileError.tooLarge(path: path, detail: message)
        case Int(BACKPROP_JPEG_NO_MEMORY): throw ImageFileError.tooLarge(path: path, detail: "out of memory (\(message))")
        case Int(BACKPROP_JPEG_TRUNCATED): throw ImageFileError.truncated(path: path, detail: message)
        default: throw ImageFileError.malformed(path: path, detail: "libjpeg: \(message)")
        }
        defer { backprop_jpeg_free(&image) }
        let (width, height, channels) = (Int(image.width), Int(image.height), Int(image.channels))
        let samples = Array(UnsafeBufferPointer(start: image.pixels, count: width * height * channels))
        return ImagePixels(width: width, height: height, channels: channels, samples: samples)
        #else
        throw ImageFileError.unsupported(path: path, feature: "JPEG (this build has no libjpeg)")
        #endif
    }

    /// The bytes of a baseline JPEG file of `image` at `quality` (1…100; 95 keeps MNIST-sized images
    /// within a few levels of their pixels).
    public static func encodeJPEG(_ image: ImagePixels, quality: Int = 95) throws -> [UInt8] {
        #if canImport(CBackpropJPEG)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 200)
        let status = image.samples.withUnsafeBufferPointer { samples in
            backprop_jpeg_encode(samples.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                                 Int32(Swift.min(100, Swift.max(1, quality))), &out, &size, &message, message.count)
        }
        guard status == BACKPROP_JPEG_OK, let out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)
            throw ImageFileError.malformed(path: "JPEG encoder", detail: text)
        }
        defer { backprop_jpeg_free_bytes(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
        #else
        throw ImageFileError.unsupported(path: "JPEG encoder", feature: "JPEG (this build has no libjpeg)")
        #endif
    }

    /// The bytes of a PNG file of `image` (8-bit gray or RGB).
    public static func encodePNG(_ image: ImagePixels) throws -> [UInt8] {
        #if canImport(CBackpropPNG)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 200)
        let status = image.samples.withUnsafeBufferPointer { samples in
            backprop_png_encode(samples.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                                &out, &size, &message, message.count)
        }
        guard status == BACKPROP_PNG_OK, let out else {
            let text = String(decoding: message.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)
            throw ImageFileError.malformed(path: "PNG encoder", detail: text)
        }
        defer { backprop_png_free_bytes(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
        #else
        throw ImageFileError.unsupported(path: "PNG encoder", feature: "PNG writing (this build has no libpng)")
        #endif
    }
}
