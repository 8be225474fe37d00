import BackpropCore
import Foundation

/// Why an image file could not be read. Every case names the file; `description` is one line for
/// the CLI to print.
public enum ImageFileError: Error, Equatable, CustomStringConvertible {
    /// No file at the path.
    case missingFile(path: String)
    /// The file exists but could not be read (a directory, no permission, I/O error).
    case unreadable(path: String, reason: String)
    /// Neither PGM, PNG nor JPEG.
    case unknownFormat(path: String)
    /// The file ends before all the data its header promises.
    case truncated(path: String, detail: String)
    /// The content breaks the format's rules (bad header values, corrupt compressed data, …).
    case malformed(path: String, detail: String)
    /// A PNG chunk's CRC does not match its content.
    case badChecksum(path: String, chunk: String)
    /// A valid file using a feature this reader does not handle (e.g. PPM, PBM).
    case unsupported(path: String, feature: String)
    /// The image (or file) is larger than the reader accepts.
    case tooLarge(path: String, detail: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .missingFile(let path), .unreadable(let path, _), .unknownFormat(let path), .truncated(let path, _),
             .malformed(let path, _), .badChecksum(let path, _), .unsupported(let path, _), .tooLarge(let path, _):
            path
        }
    }

    /// One line naming the file and the problem.
    public var description: String {
        switch self {
        case .missingFile(let path):
            "\(path): file not found"
        case .unreadable(let path, let reason):
            "\(path): cannot read: \(reason)"
        case .unknownFormat(let path):
            "\(path): unknown image format (accepted: PGM (P2/P5), PNG or JPEG)"
        case .truncated(let path, let detail):
            "\(path): truncated image: \(detail)"
        case .malformed(let path, let detail):
            "\(path): malformed image: \(detail)"
        case .badChecksum(let path, let chunk):
            "\(path): corrupt PNG: CRC mismatch in the \(chunk) chunk"
        case .unsupported(let path, let feature):
            "\(path): unsupported image: \(feature)"
        case .tooLarge(let path, let detail):
            "\(path): image too large: \(detail)"
        }
    }
}

/// Reading small grayscale images — a handwritten digit for `backprop predict` — from PGM (P2 ASCII,
/// P5 binary; our reader) and PNG files (libpng on Linux, ImageIO on macOS; see PNGReader.swift),
/// converting them to 8-bit gray; downscaling them to 28×28; writing PGM.
///
/// Colour is converted with the luma weights 0.299 R + 0.587 G + 0.114 B; transparency is composited
/// over black (MNIST digits are white on black). Samples deeper than 8 bits are scaled down, shallower
/// ones scaled up, to 0…255. Malformed input never traps: it throws an `ImageFileError`, and every
/// allocation is bounded by the file's size and by `maximumPixels`.
public enum ImageFile {
    /// Images may hold at most this many pixels (2^26, e.g. 8192 × 8192).
    public static let maximumPixels = 1 << 26
    /// Files larger than this (1 GiB) are refused without reading them.
    public static let maximumFileBytes = 1 << 30

    // MARK: - Reading

    /// Reads the PGM, PNG or JPEG image at `path` (format detected from the content) as 8-bit gray pixels,
    /// row-major, `width * height` of them. Throws an `ImageFileError` naming `path` on any problem.
    public static func readGrayscale(path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        try decode(readBytes(path: path), path: path)
    }

    /// Decodes the bytes of a PGM, PNG or JPEG file (format detected from the content) as 8-bit gray pixels.
    /// `path` only names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        if bytes.isEmpty { throw ImageFileError.truncated(path: path, detail: "the file is empty") }
        if bytes.count >= pngSignature.count && bytes.starts(with: pngSignature) {
            return try decodePNG(bytes, path: path)
        }
        if bytes.starts(with: jpegSignature) {
            let image = try decodeJPEG(bytes, path: path).converted(toChannels: 1)
            return (image.width, image.height, image.samples)
        }
        if bytes.count < pngSignature.count && pngSignature.starts(with: bytes) && bytes.count >= 2 {
            throw ImageFileError.truncated(path: path, detail: "the file ends inside the PNG signature")
        }
        if bytes.count >= 4 && bytes.starts(with: pngSignature.prefix(4)) {
            throw ImageFileError.malformed(path: path,
                                           detail: "damaged PNG signature (was the file transferred in text mode?)")
        }
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") {
            switch bytes[1] {
            case UInt8(ascii: "2"), UInt8(ascii: "5"):
                return try decodePGM(bytes, path: path)
            case UInt8(ascii: "1"), UInt8(ascii: "4"):
                throw ImageFileError.unsupported(path: path, feature: "PBM bitmap (P\(Character(UnicodeScalar(bytes[1])))); "
                                                 + "accepted: PGM (P2/P5), PNG or JPEG")
            case UInt8(ascii: "3"), UInt8(ascii: "6"):
                throw ImageFileError.unsupported(path: path, feature: "PPM colour image (P\(Character(UnicodeScalar(bytes[1])))); "
                                                 + "accepted: PGM (P2/P5), PNG or JPEG")
            case UInt8(ascii: "7"):
                throw ImageFileError.unsupported(path: path, feature: "PAM image (P7); accepted: PGM (P2/P5), PNG or JPEG")
            default:
                break
            }
        }
        throw ImageFileError.unknownFormat(path: path)
    }

    // MARK: - Resizing and writing

    /// `pixels` (row-major, `width` × `height`, 8-bit gray) resampled to `size` × `size`: each output
    /// pixel averages the source area it covers when shrinking, and interpolates bilinearly when
    /// enlarging. The aspect ratio is not kept (pad the image to a square first to keep it).
    /// Returns `pixels` unchanged when it already is `size` × `size`.
    public static func resize(_ pixels: [UInt8], width: Int, height: Int, to size: Int) -> [UInt8] {
        resize(pixels, width: width, height: height, toWidth: size, height: size)
    }

    /// For each of `m` output positions, the source positions (of `n`) and weights (summing to 1).
    static func resamplingWeights(from n: Int, to m: Int) -> [[(Int, Double)]] {
        let scale = Double(n) / Double(m)
        return (0..<m).map { i in
            if scale >= 1 {
                // Area average over [i·scale, (i+1)·scale).
                let a = Double(i) * scale, b = Double(i + 1) * scale
                var weights: [(Int, Double)] = []
                for s in Int(a.rounded(.down))..<Swift.min(n, Int(b.rounded(.up))) {
                    let overlap = Swift.min(b, Double(s + 1)) - Swift.max(a, Double(s))
                    if overlap > 1e-12 { weights.append((s, overlap / scale)) }
                }
                return weights
            } else {
                // Bilinear between the two nearest source centres.
                let centre = (Double(i) + 0.5) * scale - 0.5
                let s0 = Int(centre.rounded(.down))
                let t = centre - Double(s0)
                let first = Swift.min(n - 1, Swift.max(0, s0)), second = Swift.min(n - 1, Swift.max(0, s0 + 1))
                return [(first, 1 - t), (second, t)]
            }
        }
    }

    /// The bytes of a binary PGM (P5, maximum value 255) holding `pixels` (row-major, 8-bit gray).
    public static func encodePGM(pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height,
                     "ImageFile.encodePGM: \(pixels.count) pixels for a \(width)×\(height) image")
        return Array("P5\n\(width) \(height)\n255\n".utf8) + pixels
    }

    /// Writes `pixels` as a binary PGM (P5) file at `path`, atomically (a temporary file renamed into place).
    public static func writePGM(pixels: [UInt8], width: Int, height: Int, to path: String) throws {
        try writeAtomically(encodePGM(pixels: pixels, width: width, height: height), to: path)
    }
}
