import BackpropCore

/// Why a dataset file could not be used. Every case names the file; `description` is one line for
/// the CLI to print.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    case corruptGzip(path: String, reason: String)
    case badMagic(path: String, found: String)
    case unsupportedType(path: String, typeCode: UInt8)
    case unexpectedRank(path: String, expected: Int, found: Int)
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    case trailingData(path: String, expectedBytes: Int, actualBytes: Int)
    case tooLarge(path: String, claimedBytes: String)
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    case labelOutOfRange(path: String, index: Int, label: Int, classes: Int)
    case emptyDataset(path: String)
    /// Images with no pixels (an extent of 0 rows or columns).
    case emptyImages(path: String, rows: Int, columns: Int)
    /// The test images differ in size from the training images in `otherPath`.
    case imageSizeMismatch(path: String, rows: Int, columns: Int, otherPath: String, otherRows: Int, otherColumns: Int)
    /// The data does not fit the network (input size, image shape, classes); `reason` says how.
    case doesNotFitModel(path: String, reason: String)
    /// An image folder's layout is unusable (no class folders, no images, a class without test images…).
    case imageFolder(path: String, problem: String)
    /// An image of an image folder differs in size from the first one, and no size to resize to was given.
    case imageSizeDiffers(path: String, rows: Int, columns: Int, firstPath: String, firstRows: Int, firstColumns: Int)
    /// A table (CSV) cell, row or column is unusable; `row` is the 1-based line in the file (nil: the file as a whole).
    case badTable(path: String, row: Int?, column: String?, problem: String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            "\(path): file not found"
        case .unreadable(let path, let reason):
            "\(path): cannot read: \(reason)"
        case .corruptGzip(let path, let reason):
            "\(path): corrupt gzip stream: \(reason)"
        case .badMagic(let path, let found):
            "\(path): not an IDX file (magic bytes \(found); expected 00 00 08 0N)"
        case .unsupportedType(let path, let code):
            "\(path): IDX element type 0x\(String(code, radix: 16, uppercase: true)) is not supported (only unsigned bytes, 0x08)"
        case .unexpectedRank(let path, let expected, let found):
            "\(path): expected an IDX file with \(expected) dimension(s), found \(found)"
        case .truncated(let path, let expected, let actual):
            "\(path): truncated: header promises \(expected) bytes of data, file has \(actual)"
        case .trailingData(let path, let expected, let actual):
            "\(path): header promises \(expected) bytes of data, file has \(actual) (extra data after the end)"
        case .tooLarge(let path, let claimed):
            "\(path): header claims an implausible size (\(claimed))"
        case .countMismatch(let images, let imageCount, let labels, let labelCount):
            "\(labels): \(labelCount) labels for \(imageCount) images in \(images)"
        case .labelOutOfRange(let path, let index, let label, let classes):
            "\(path): label \(label) at index \(index) is out of range 0..<\(classes)"
        case .emptyDataset(let path):
            "\(path): holds no examples"
        case .emptyImages(let path, let rows, let columns):
            "\(path): images of \(rows)×\(columns) pixels hold no pixels"
        case .imageSizeMismatch(let path, let rows, let columns, let otherPath, let otherRows, let otherColumns):
            "\(path): images are \(rows)×\(columns), but \(otherRows)×\(otherColumns) in \(otherPath)"
        case .doesNotFitModel(let path, let reason):
            "\(path): \(reason)"
        case .imageFolder(let path, let problem):
            "\(path): \(problem)"
        case .imageSizeDiffers(let path, let rows, let columns, let firstPath, let firstRows, let firstColumns):
            "\(path): image of \(rows)×\(columns) pixels, but \(firstPath) has \(firstRows)×\(firstColumns); "
                + "images must share one size unless a size to resize them to is given (--image-size H[xW])"
        case .badTable(let path, let row, let column, let problem):
            "\(path)" + (row.map { ", row \($0)" } ?? "") + (column.map { ", column \"\($0)\"" } ?? "") + ": \(problem)"
        }
    }
}
