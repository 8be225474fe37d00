import BackpropCore

/// Checks a dataset as a whole before training or evaluation starts, so that data from outside which
/// the loader accepted can never reach a layer's shape precondition: the splits against each other,
/// and each split against the network (input size, image shape and channels, number of classes).
/// Each check throws a `DatasetError` naming the offending file.
public enum DatasetCheck {
    /// The training and test splits of an MNIST-format dataset agree: images of the same size. (Each
    /// split's images and labels were checked against each other — counts, label range — when read.)
    public static func splits(train: ImageSet, test: ImageSet) throws {
        guard train.rows == test.rows, train.columns == test.columns, train.channels == test.channels else {
            throw DatasetError.imageSizeMismatch(path: test.imagesPath ?? "test images", rows: test.rows, columns: test.columns,
                                                 otherPath: train.imagesPath ?? "training images",
                                                 otherRows: train.rows, otherColumns: train.columns)
        }
    }

    /// `set` can be fed to a network built from `spec`: as many inputs per example as the network
    /// takes; for a convolutional network, images of the network's (channels, height, width) that
    /// are large enough for its layers; every label below the number of outputs. `name` names the
    /// set in messages when it was not read from files (e.g. "synthetic"); `model` names where the
    /// network comes from (a checkpoint's path, or nil for the command line's flags).
    public static func check(_ set: any LabeledDataset, fits spec: NetworkSpec, name: String, model: String? = nil) throws {
        let image = set as? ImageSet
        let imagesPath = image?.imagesPath ?? name
        let labelsPath = image?.labelsPath ?? name
        let network = model.map { "the network in \($0)" } ?? "\(spec.kind.rawValue)"
        if spec.kind.isConvolutional {
            guard let image else {
                throw DatasetError.doesNotFitModel(path: name,
                                                   reason: "\(network) takes images; this data holds \(set.inputSize) features per example")
            }
            let shape = spec.imageShape
            let described = shape.count == 3 ? "\(shape[0]) channel(s) of \(shape[1])×\(shape[2])" : "input shape \(shape)"
            if spec.inputShape == nil && model == nil {
                // A fresh network takes square images of `inputSize` pixels.
                guard image.rows == image.columns else {
                    throw DatasetError.doesNotFitModel(path: imagesPath,
                                                       reason: "images of \(image.rows)×\(image.columns); \(network) takes square images")
                }
            }
            guard shape == image.imageShape else {
                throw DatasetError.doesNotFitModel(path: imagesPath,
                                                   reason: "images of \(image.channels) channel\(image.channels == 1 ? "" : "s") of "
                                                       + "\(image.rows)×\(image.columns); "
                                                       + "\(network) takes \(described)")
            }
            guard ConvNetLayout.featureShape(spec.kind, input: shape) != nil else {
                throw DatasetError.doesNotFitModel(path: imagesPath,
                                                   reason: "images of \(image.rows)×\(image.columns) are too small for "
                                                       + "\(spec.kind.rawValue)")
            }
        }
        guard set.inputSize == spec.inputSize else {
            let what = image.map { "images of \($0.rows)×\($0.columns) (\(set.inputSize) inputs)" }
                ?? "\(set.inputSize) features per example"
            throw DatasetError.doesNotFitModel(path: imagesPath, reason: "\(what); \(network) takes \(spec.inputSize) inputs")
        }
        var largest = -1, at = 0
        if let image {
            if let i = image.labels.indices.max(by: { image.labels[$0] < image.labels[$1] }) { (largest, at) = (Int(image.labels[i]), i) }
        } else {
            for i in 0..<set.count where set.label(at: i) > largest { (largest, at) = (set.label(at: i), i) }
        }
        guard largest < spec.outputSize else {
            throw DatasetError.doesNotFitModel(path: labelsPath,
                                               reason: "label \(largest) at index \(at), but \(network) has \(spec.outputSize) classes "
                                                   + "(0..<\(spec.outputSize))")
        }
    }
}
