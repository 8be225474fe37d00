import BackpropCore
import BackpropTraining

/// Names and one-line settings of layers, as the book's networks key their `OrderedDict` of layers
/// (`Affine1`, `Relu1`, `Conv1`, `Pool1`, … in ch05/two_layer_net.py and ch07/simple_convnet.py).
enum LayerNames {
    /// The type's short name: Affine, Relu, Conv, Pool, BatchNorm, Dropout, … (a layer of your own:
    /// its type name without generic arguments).
    static func kind(_ layer: any Layer) -> String {
        if let recording = layer as? any RecordingLayerProtocol { return kind(recording.wrappedLayer) }
        let name = String(describing: type(of: layer))
        let base = name.prefix { $0 != "<" }
        switch base {
        case "Convolution": return "Conv"
        case "Pooling": return "Pool"
        case "BatchNormalization": return "BatchNorm"
        default: return String(base)
        }
    }

    /// Book-style names numbered per kind: Affine1, Relu1, Affine2, …
    static func bookNames<Scalar: TensorScalar>(_ layers: [any Layer<Scalar>]) -> [String] {
        var counts: [String: Int] = [:]
        return layers.map { layer in
            let kind = kind(layer)
            counts[kind, default: 0] += 1
            return "\(kind)\(counts[kind]!)"
        }
    }

    /// The settings the layer's constructor took, as short lines (filters and stride of a convolution,
    /// window of a pooling, ratio of a dropout); empty for layers without settings.
    static func details(_ layer: any Layer) -> [String] {
        if let recording = layer as? any RecordingLayerProtocol { return details(recording.wrappedLayer) }
        if let text = (layer as? any DescribedLayer)?.graphDetails { return text }
        return []
    }
}

/// Lets `LayerNames` see through a `RecordingLayer` whatever its scalar type.
protocol RecordingLayerProtocol {
    var wrappedLayer: any Layer { get }
}

extension RecordingLayer: RecordingLayerProtocol {
    var wrappedLayer: any Layer { layer }
}

/// Layers whose settings the graph writes under their names.
protocol DescribedLayer {
    var graphDetails: [String] { get }
}

extension Convolution: DescribedLayer {
    var graphDetails: [String] {
        let w = weight.value.shape
        return ["\(w[0]) filters \(w[2])×\(w[3])", "stride \(stride), pad \(pad)"]
    }
}

extension Pooling: DescribedLayer {
    var graphDetails: [String] { ["\(mode.rawValue) \(poolHeight)×\(poolWidth), stride \(stride)"] }
}

extension Dropout: DescribedLayer {
    var graphDetails: [String] { ["ratio \(GraphLabels.number(ratio))"] }
}
