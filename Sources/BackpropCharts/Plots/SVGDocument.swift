import BackpropCore
import BackpropTraining
import Foundation

/// A standalone SVG image (UTF-8 text starting with `<svg`), as the project's charts, filter grids and
/// graph drawings produce it. Every SVG the package writes is built by
/// `init(width:height:title:rootAttributes:defs:background:body:)`, which writes the root element, the
/// `<title>` and the background, and every text in it is escaped by `escape(_:)`.
///
/// The documents need no external files (no CSS, no web fonts: they name generic system fonts), so they
/// open directly in a browser.
public struct SVGDocument: Sendable, Equatable {
    /// The SVG source.
    public var text: String

    /// The fonts every document names: the look of the book's matplotlib figures where DejaVu Sans is
    /// installed, a generic sans-serif elsewhere.
    public static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    /// A document of the given source text, taken as it is.
    public init(_ text: String) {
        self.text = text
    }

    /// A document `width` × `height` pixels (a matching viewBox, `fontFamily` inherited by every text),
    /// holding, in order: `<title>` (when `title` is not nil), `defs` inside `<defs>` (when not empty),
    /// a rectangle of `background` colour over the whole image (when not nil) and `body`.
    ///
    /// - Parameters:
    ///   - title: Plain text; escaped here.
    ///   - rootAttributes: More attributes of the root element, as markup (e.g. `shape-rendering="crispEdges"`).
    ///   - defs: Markup of reusable definitions (markers, gradients).
    ///   - body: The drawing, as markup whose texts are already escaped.
    public init(width: Double, height: Double, title: String? = nil, rootAttributes: String = "", defs: String = "",
                background: String? = "#ffffff", body: String) {
        let (w, h) = (Self.number(width), Self.number(height))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
        out += "font-family=\"\(Self.fontFamily)\"\(rootAttributes.isEmpty ? "" : " " + rootAttributes)>\n"
        if let title { out += "<title>\(Self.escape(title))</title>\n" }
        if !defs.isEmpty { out += "<defs>\(defs)</defs>\n" }
        if let background {
            out += "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"\(Self.escape(background))\"/>\n"
        }
        out += body
        out += "</svg>\n"
        self.text = out
    }

    /// Writes the text to `path` atomically (a temporary file renamed into place).
    public func write(to path: String) throws {
        try writeAtomically(Array(text.utf8), to: path)
    }

    /// `text` with the five XML special characters escaped and the control characters XML forbids
    /// replaced by spaces (tabs and line breaks too: SVG text is one line), safe inside element content
    /// and attribute values. The one XML escaper of the package.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                // XML 1.0 allows neither C0 controls nor U+FFFE / U+FFFF.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += " "
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A coordinate or length with two decimals ("12.50").
    public static func number(_ v: Double) -> String {
        String(format: "%.2f", v)
    }
}
