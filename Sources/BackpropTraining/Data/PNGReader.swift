import BackpropCore

#if canImport(CBackpropPNG)
import CBackpropPNG
#elseif canImport(ImageIO)
import CoreGraphics
import Foundation
import ImageIO
#endif

/// PNG decoding for `ImageFile`, by the platform's decoder: libpng on Linux (Debian's libpng-dev,
/// through the C wrapper in Sources/CBackpropPNG, which turns libpng's longjmp errors into a status),
/// ImageIO on macOS. Every colour type and bit depth libpng reads — gray, gray + alpha, RGB, RGBA,
/// palette (with tRNS), 1 to 16 bits, interlaced — is converted to 8-bit gray: luma
/// 0.299 R + 0.587 G + 0.114 B, alpha composited over black, computed from the full-depth samples.
extension ImageFile {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func decodePNG(_ bytes: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        #if canImport(CBackpropPNG)
        return try withDecodedPNG(bytes, path: path) { samples, width, height, channels, bytesPerSample in
            (width, height, gray(samples, count: width * height, channels: channels, bytesPerSample: bytesPerSample))
        }
        #elseif canImport(ImageIO)
        return try decodeWithImageIO(bytes, path: path)
        #else
        throw ImageFileError.unsupported(path: path, feature: "PNG (this platform has neither libpng nor ImageIO)")
        #endif
    }

    /// The PNG in `bytes` with its own channels: 1 for gray (alpha composited over black), 3 for color
    /// (RGB, or RGBA composited over black), 8-bit (16-bit samples scaled, rounded). On macOS, gray.
    static func decodePNGPixels(_ bytes: [UInt8], path: String) throws -> ImagePixels {
        #if canImport(CBackpropPNG)
        return try withDecodedPNG(bytes, path: path) { samples, width, height, channels, bytesPerSample in
            let count = width * height
            if channels <= 2 {
                return ImagePixels(width: width, height: height, channels: 1,
                                   samples: gray(samples, count: count, channels: channels, bytesPerSample: bytesPerSample))
            }
            func sample(_ i: Int) -> Double {
                bytesPerSample == 2 ? Double(Int(samples[2 * i]) << 8 | Int(samples[2 * i + 1])) / 65535 : Double(samples[i]) / 255
            }
            var rgb = [UInt8](repeating: 0, count: 3 * count)
            for p in 0..<count {
                let s = p * channels, alpha = channels == 4 ? sample(s + 3) : 1
                for c in 0..<3 { rgb[3 * p + c] = UInt8(Swift.min(255, Swift.max(0, (sample(s + c) * alpha * 255).rounded()))) }
            }
            return ImagePixels(width: width, height: height, channels: 3, samples: rgb)
        }
        #else
        let gray = try decodePNG(bytes, path: path)
        return ImagePixels(width: gray.width, height: gray.height, channels: 1, samples: gray.pixels)
        #endif
    }

    #if canImport(CBackpropPNG)
    /// Runs libpng (through CBackpropPNG) on `bytes` and hands `body` the samples, width, height,
    /// channels (1–4) and bytes per sample (1 or 2); libpng's failures become `ImageFileError`s naming `path`.
    private static func withDecodedPNG<T>(_ bytes: [UInt8], path: String,
                                          _ body: (UnsafeBufferPointer<UInt8>, Int, Int, Int, Int) -> T) throws -> T {
        var image = BackpropPNGImage()
        let status = bytes.withUnsafeBufferPointer { buffer in
            backprop_png_decode(buffer.baseAddress, buffer.count, UInt64(maximumPixels), &image)
        }
        let message = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        switch Int(status) {
        case Int(BACKPROP_PNG_OK): break
        case Int(BACKPROP_PNG_TOO_LARGE): throw ImageFileError.tooLarge(path: path, detail: message)
        case Int(BACKPROP_PNG_NO_MEMORY): throw ImageFileError.tooLarge(path: path, detail: "out of memory (\(message))")
        default:
            if message.hasSuffix("CRC error"), let colon = message.firstIndex(of: ":") {
                throw ImageFileError.badChecksum(path: path, chunk: String(message[..<colon]))
            }
            if message.contains("truncated") || message.contains("Not enough image data") {
                throw ImageFileError.truncated(path: path, detail: message)
            }
            throw ImageFileError.malformed(path: path, detail: "libpng: \(message)")
        }
        defer { backprop_png_free(&image) }
        let (width, height) = (Int(image.width), Int(image.height))
        let samples = UnsafeBufferPointer(start: image.pixels,
                                          count: width * height * Int(image.channels) * Int(image.bytesPerSample))
        return body(samples, width, height, Int(image.channels), Int(image.bytesPerSample))
    }
    #endif

    /// 8-bit gray from `count` pixels of `channels` samples (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA),
    /// each 1 byte or 2 big-endian bytes.
    static func gray(_ samples: UnsafeBufferPointer<UInt8>, count: Int, channels: Int, bytesPerSample: Int) -> [UInt8] {
        let maxSample = bytesPerSample == 2 ? 65535.0 : 255.0
        func sample(_ i: Int) -> Double {
            bytesPerSample == 2 ? Double(Int(samples[2 * i]) << 8 | Int(samples[2 * i + 1])) / maxSample
                                : Double(samples[i]) / 255
        }
        func luma(_ r: Double, _ g: Double, _ b: Double) -> Double { 0.299 * r + 0.587 * g + 0.114 * b }
        func byte(_ v: Double) -> UInt8 { UInt8(Swift.min(255, Swift.max(0, (v * 255).rounded()))) }
        return (0..<count).map { p in
            let s = p * channels
            switch channels {
            case 1: return byte(sample(s))
            case 2: return byte(sample(s) * sample(s + 1))
            case 3: return byte(luma(sample(s), sample(s + 1), sample(s + 2)))
            default: return byte(luma(sample(s), sample(s + 1), sample(s + 2)) * sample(s + 3))
            }
        }
    }

    #if !canImport(CBackpropPNG) && canImport(ImageIO)
    /// macOS: ImageIO decodes; the image is drawn into 8-bit RGBA with premultiplied alpha (so colour
    /// is already composited over black), then converted to luma. Its size is checked before decoding.
    static func decodeWithImageIO(_ bytes: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        guard let source = CGImageSourceCreateWithData(Data(bytes) as CFData, nil),
              let properties = CGImageSourceCopyPropertiesAtIndex(source, 0, nil) as? [String: Any],
              let width = properties[kCGImagePropertyPixelWidth as String] as? Int,
              let height = properties[kCGImagePropertyPixelHeight as String] as? Int else {
            throw ImageFileError.malformed(path: path, detail: "ImageIO cannot read it as a PNG")
        }
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).partialValue <= maximumPixels,
              width <= maximumPixels, height <= maximumPixels else {
            throw ImageFileError.tooLarge(path: path, detail: "\(width) × \(height) pixels (at most \(maximumPixels) pixels)")
        }
        guard let image = CGImageSourceCreateImageAtIndex(source, 0, nil),
              let space = CGColorSpace(name: CGColorSpace.sRGB),
              let context = CGContext(data: nil, width: width, height: height, bitsPerComponent: 8, bytesPerRow: 4 * width,
                                      space: space, bitmapInfo: CGImageAlphaInfo.premultipliedLast.rawValue) else {
            throw ImageFileError.malformed(path: path, detail: "ImageIO cannot decode the image data")
        }
        context.draw(image, in: CGRect(x: 0, y: 0, width: width, height: height))
        guard let data = context.data else { throw ImageFileError.malformed(path: path, detail: "ImageIO drew nothing") }
        let rgba = UnsafeBufferPointer(start: data.assumingMemoryBound(to: UInt8.self), count: 4 * width * height)
        return (width, height, gray(rgba, count: width * height, channels: 3, stride: 4))
    }

    /// Luma of premultiplied RGBA (the alpha byte skipped: premultiplication composited over black).
    private static func gray(_ rgba: UnsafeBufferPointer<UInt8>, count: Int, channels _: Int, stride: Int) -> [UInt8] {
        (0..<count).map { p in
            let l = 0.299 * Double(rgba[stride * p]) + 0.587 * Double(rgba[stride * p + 1]) + 0.114 * Double(rgba[stride * p + 2])
            return UInt8(Swift.min(255, Swift.max(0, l.rounded())))
        }
    }
    #endif
}
