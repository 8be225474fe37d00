import Backprop

/// The answer to `GET /api/predict?index=N`: one test image, the network's class probabilities for it
/// (softmax of `Network.predict` in inference mode), and its true label.
struct LabPrediction: Encodable {
    var index: Int
    var label: Int
    var predicted: Int
    var probabilities: [Double]
    /// The dataset's class names when known (Fashion-MNIST's), else nil.
    var classNames: [String]?
    /// The image as the book's `imshow(…, cmap=gray_r)` draws it (`FilterPlot`), for image datasets.
    var imageSVG: String?

    /// The prediction of `network` for example `index` of `set`.
    init<Scalar: TensorScalar>(_ network: Network<Scalar>, set: any LabeledDataset, index: Int, flatten: Bool,
                               classNames: [String]?) {
        let x: Tensor<Scalar> = set.inputs([index], flatten: flatten)
        let probabilities = softmax(network.predict(x, training: false)).scalars.map { Double($0) }
        self.index = index
        label = set.label(at: index)
        predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        self.probabilities = probabilities
        self.classNames = classNames?.count == probabilities.count ? classNames : nil
        let image: Tensor<Scalar> = set.inputs([index], flatten: false)
        imageSVG = image.rank == 4
            ? FilterPlot.svg(weights: image, columns: 1, cellSize: 5, title: "test image \(index)").text : nil
    }
}
