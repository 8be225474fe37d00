import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An SVG (or any XML) document parsed by `XMLParser` into a flat list of elements, each with its
/// attributes, own text and parent, so that tests can assert what a picture holds.
final class XMLSummary: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
        /// Index of the enclosing element (nil for the root).
        var parent: Int?
    }

    var elements: [Element] = []
    /// Why the document did not parse (nil when it did).
    var error: String?
    private var open: [Int] = []

    static func parse(_ document: String) -> XMLSummary {
        let summary = XMLSummary()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = summary
        if !parser.parse() {
            summary.error = parser.parserError.map { "\($0)" } ?? "parse failed"
        }
        return summary
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(Element(name: elementName, attributes: attributeDict, parent: open.last))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        error = "\(parseError)"
    }

    /// Indices of the elements named `name` (any name when nil) inside element `ancestor` (anywhere when nil).
    func indices(_ name: String? = nil, in ancestor: Int? = nil, where test: (Element) -> Bool = { _ in true }) -> [Int] {
        elements.indices.filter { i in
            (name == nil || elements[i].name == name) && test(elements[i]) && (ancestor == nil || isInside(i, ancestor!))
        }
    }

    /// The elements named `name` inside `ancestor` (anywhere when nil).
    func all(_ name: String, in ancestor: Int? = nil) -> [Element] {
        indices(name, in: ancestor).map { elements[$0] }
    }

    func count(_ name: String, in ancestor: Int? = nil) -> Int { indices(name, in: ancestor).count }

    /// Texts of the `<text>` elements inside `ancestor` (anywhere when nil).
    func labels(in ancestor: Int? = nil) -> [String] { all("text", in: ancestor).map(\.text) }

    /// The `<g>` elements of class `name`, in document order.
    func groups(_ name: String, in ancestor: Int? = nil) -> [Int] {
        indices("g", in: ancestor) { $0.attributes["class"] == name }
    }

    private func isInside(_ i: Int, _ ancestor: Int) -> Bool {
        var p = elements[i].parent
        while let q = p {
            if q == ancestor { return true }
            p = elements[q].parent
        }
        return false
    }

    /// The number of "x,y" pairs of a polyline's points.
    static func pointCount(_ polyline: Element) -> Int {
        (polyline.attributes["points"] ?? "").split(separator: " ").count
    }
}
