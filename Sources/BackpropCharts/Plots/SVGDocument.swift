/// A standalone SVG image (UTF-8 text starting with `<svg`), as the project's charts produce it.

import BackpropCore
import BackpropTraining

public struct SVGDocument: Sendable, Equatable {
    /// The SVG source.
    public var text: String

    public init(_ text: String) {
        self.text = text
    }

    /// Writes the text to `path` atomically (a temporary file renamed into place).
    public func write(to path: String) throws {
        try writeAtomically(Array(text.utf8), to: path)
    }
}
