import BackpropCore
import Foundation

/// One decoded image as 8-bit samples: `channels` (1 gray or 3 RGB) per pixel, interleaved, row-major
/// (height × width × channels) — as PNG, JPEG and PGM files hold them.
///
/// `ImageFile.readPixels(path:)` reads one from a PGM, PNG or JPEG file (alpha composited over black,
/// 16-bit samples scaled to 8); `converted(toChannels:)` turns color to gray by the luma that
/// `backprop predict` uses (0.299 R + 0.587 G + 0.114 B) or gray to color by repeating it;
/// `resized(height:width:)` resamples; `planar` gives the (channels, height, width) order that
/// convolutional networks take.
public struct ImagePixels: Sendable, Equatable {
    /// Pixels per row.
    public var width: Int
    /// Rows of pixels.
    public var height: Int
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    /// `height * width * channels` samples, the channels of each pixel together.
    public var samples: [UInt8]

    /// An image from its samples. Stops unless `samples` holds `height * width * channels` of them.
    public init(width: Int, height: Int, channels: Int, samples: [UInt8]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3) && samples.count == width * height * channels,
                     "ImagePixels: \(samples.count) samples for \(width)×\(height) with \(channels) channel(s)")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// The image with `target` channels: color to gray by luma (rounded), gray to color by repeating it.
    public func converted(toChannels target: Int) -> ImagePixels {
        precondition(target == 1 || target == 3, "ImagePixels: \(target) channels (1 or 3)")
        if target == channels { return self }
        if target == 3 {
            var out = [UInt8](repeating: 0, count: samples.count * 3)
            for (i, v) in samples.enumerated() { (out[3 * i], out[3 * i + 1], out[3 * i + 2]) = (v, v, v) }
            return ImagePixels(width: width, height: height, channels: 3, samples: out)
        }
        let gray = samples.withUnsafeBufferPointer { ImageFile.gray($0, count: width * height, channels: 3, bytesPerSample: 1) }
        return ImagePixels(width: width, height: height, channels: 1, samples: gray)
    }

    /// The image resampled to `height` × `width`, each channel alike: every output sample averages the
    /// source area it covers when shrinking, and interpolates bilinearly between the nearest source
    /// centres when enlarging (per axis). The aspect ratio is not kept. Unchanged when already that size.
    public func resized(height newHeight: Int, width newWidth: Int) -> ImagePixels {
        precondition(newHeight > 0 && newWidth > 0, "ImagePixels.resized: \(newHeight)×\(newWidth)")
        if newHeight == height && newWidth == width { return self }
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * channels)
        for c in 0..<channels {
            let plane = (0..<(width * height)).map { samples[$0 * channels + c] }
            let scaled = ImageFile.resize(plane, width: width, height: height, toWidth: newWidth, height: newHeight)
            for (i, v) in scaled.enumerated() { out[i * channels + c] = v }
        }
        return ImagePixels(width: newWidth, height: newHeight, channels: channels, samples: out)
    }

    /// The samples channel after channel (channels × height × width), the layout of an `ImageSet`.
    public var planar: [UInt8] {
        if channels == 1 { return samples }
        let area = width * height
        var out = [UInt8](repeating: 0, count: samples.count)
        for p in 0..<area { for c in 0..<channels { out[c * area + p] = samples[p * channels + c] } }
        return out
    }
}

extension ImageFile {
    /// Reads the PGM, PNG or JPEG image at `path` (format detected from the content) with its own
    /// channels: 1 for gray images, 3 for color ones (alpha composited over black). Throws an
    /// `ImageFileError` naming `path` on any problem; allocations are bounded as `readGrayscale`'s.
    public static func readPixels(path: String) throws -> ImagePixels {
        try decodePixels(readBytes(path: path), path: path)
    }

    /// Decodes the bytes of a PGM, PNG or JPEG file with its own channels (see `readPixels`).
    public static func decodePixels(_ bytes: [UInt8], path: String) throws -> ImagePixels {
        if bytes.starts(with: pngSignature) { return try decodePNGPixels(bytes, path: path) }
        if bytes.starts(with: jpegSignature) { return try decodeJPEG(bytes, path: path) }
        let gray = try decode(bytes, path: path)
        return ImagePixels(width: gray.width, height: gray.height, channels: 1, samples: gray.pixels)
    }

    /// The bytes of the file at `path`, refused (naming it) when missing, a directory, or larger than
    /// `maximumFileBytes`.
    static func readBytes(path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageFileError.missingFile(path: path)
        }
        guard !isDirectory.boolValue else { throw ImageFileError.unreadable(path: path, reason: "is a directory") }
        let url = URL(fileURLWithPath: path)
        if let size = try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize, size > maximumFileBytes {
            throw ImageFileError.tooLarge(path: path, detail: "the file has \(size) bytes (at most \(maximumFileBytes))")
        }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw ImageFileError.unreadable(path: path, reason: fileErrorReason(error, path: path))
        }
    }

    /// `pixels` (row-major, `width` × `height`, one 8-bit channel) resampled to `newWidth` × `newHeight`
    /// as `ImagePixels.resized` describes.
    public static func resize(_ pixels: [UInt8], width: Int, height: Int, toWidth newWidth: Int, height newHeight: Int) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height,
                     "ImageFile.resize: \(pixels.count) pixels for a \(width)×\(height) image")
        precondition(newWidth > 0 && newHeight > 0, "ImageFile.resize: target size \(newWidth)×\(newHeight) must be positive")
        if width == newWidth && height == newHeight { return pixels }
        let columns = resamplingWeights(from: width, to: newWidth)
        let rows = resamplingWeights(from: height, to: newHeight)
        var horizontal = [Double](repeating: 0, count: height * newWidth)
        for y in 0..<height {
            for (ox, weights) in columns.enumerated() {
                var sum = 0.0
                for (sx, w) in weights { sum += w * Double(pixels[y * width + sx]) }
                horizontal[y * newWidth + ox] = sum
            }
        }
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        for (oy, weights) in rows.enumerated() {
            for ox in 0..<newWidth {
                var sum = 0.0
                for (sy, w) in weights { sum += w * horizontal[sy * newWidth + ox] }
                out[oy * newWidth + ox] = UInt8(Swift.min(255, Swift.max(0, sum.rounded())))
            }
        }
        return out
    }
}
