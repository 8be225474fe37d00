/// The sizes of a window (a convolution's filter, §7.4.3, or a pooling window, §7.4.4) sliding over a
/// batch of images (N, C, H, W) with the given stride, after zero-padding by `pad` on every side.
///
/// OH = (H + 2·pad − FH) / stride + 1 and OW likewise (integer division, as the book); both are 0
/// when the window does not fit in the padded image.
struct SlidingWindow: Equatable, Sendable {
    /// N, C, H, W of the input.
    var batch: Int, channels: Int, height: Int, width: Int
    /// FH, FW: the window's extent.
    var windowHeight: Int, windowWidth: Int
    var stride: Int, pad: Int
    /// OH, OW: the number of window positions along each axis.
    var outHeight: Int, outWidth: Int

    /// The window over an input of `inputShape` (N, C, H, W). Stops, naming `operation`, on a shape of
    /// another rank, a window smaller than 1×1, a stride below 1 or a negative pad.
    init(inputShape: [Int], windowHeight: Int, windowWidth: Int, stride: Int, pad: Int, operation: String) {
        precondition(inputShape.count == 4,
                     "\(operation): input must be 4-d (N, C, H, W), got shape \(inputShape)")
        precondition(windowHeight >= 1 && windowWidth >= 1,
                     "\(operation): window must be at least 1×1, got \(windowHeight)×\(windowWidth)")
        precondition(stride >= 1, "\(operation): stride must be at least 1, got \(stride)")
        precondition(pad >= 0, "\(operation): pad must be non-negative, got \(pad)")
        batch = inputShape[0]; channels = inputShape[1]; height = inputShape[2]; width = inputShape[3]
        self.windowHeight = windowHeight
        self.windowWidth = windowWidth
        self.stride = stride
        self.pad = pad
        let spanH = height + 2 * pad - windowHeight, spanW = width + 2 * pad - windowWidth
        outHeight = spanH < 0 ? 0 : spanH / stride + 1
        outWidth = spanW < 0 ? 0 : spanW / stride + 1
    }

    /// C·H·W: elements per input image.
    var imageSize: Int { channels * height * width }
    /// OH·OW: window positions per image (rows of col per image).
    var outPositions: Int { outHeight * outWidth }
    /// C·FH·FW: the length of one row of col.
    var rowLength: Int { channels * windowHeight * windowWidth }
    /// (N·OH·OW, C·FH·FW): the shape of col.
    var colShape: [Int] { [batch * outPositions, rowLength] }
    /// Whether the window never fits (no output positions).
    var isEmpty: Bool { outHeight == 0 || outWidth == 0 }
}
