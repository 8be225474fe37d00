import BackpropCore
import BackpropTraining

/// Estimated widths of text in DejaVu Sans (the first font the graph SVGs ask for; Helvetica and Arial,
/// the fallbacks, are narrower), so that `GraphLayout` can leave room for every label. The estimates
/// are per character class and rounded up: they may leave a little too much room, never too little.
enum TextMetrics {
    /// The width of `text` at font size `size`, in the same units.
    static func width(_ text: String, size: Double, bold: Bool = false) -> Double {
        var em = 0.0
        for scalar in text.unicodeScalars { em += advance(scalar) }
        return em * size * (bold ? 1.12 : 1.04)
    }

    /// The advance width of one character, in ems (DejaVu Sans: digits 0.636, 'm' 0.974, space 0.318).
    private static func advance(_ c: Unicode.Scalar) -> Double {
        switch c {
        case "0"..."9": return 0.64
        case "i", "l", "j", "!", "|", "'": return 0.30
        case "f", "t", "r": return 0.42
        case "m", "w": return 0.98
        case "a"..."z": return 0.63
        case "I", "J": return 0.33
        case "M", "W": return 1.0
        case "A"..."Z": return 0.77
        case " ", ".", ",", ":", ";", "·": return 0.33
        case "(", ")", "[", "]", "{", "}": return 0.40
        case "-", "_": return 0.50
        case "/", "\\": return 0.34
        case "‖", "∂", "§", "²", "ᵀ", "Σ": return 0.62
        default: return 0.86   // ×, −, +, =, ←, →, ≤, and anything else: as wide as a math sign
        }
    }
}
