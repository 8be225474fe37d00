// Fuzz target: IDX files, plain or gzip-compressed (IDX.decode), then a dataset from them (ImageSet,
// DatasetCheck) as `backprop train` builds it.
import Backprop
@testable import BackpropTraining

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = bytes(data, size)
    guard let array = try? IDX.decode(input, path: "fuzz") else { return 0 }
    // As images with labels 0, 1, 2, … (mod 10), checked against a fresh two-layer net and a cnn.
    guard array.dimensions.count == 3 else { return 0 }
    let n = array.dimensions[0]
    guard n <= 1 << 16 else { return 0 }
    let labels = IDXArray(dimensions: [n], bytes: (0..<n).map { UInt8($0 % 10) })
    guard let set = try? ImageSet(images: array, labels: labels, imagesPath: "fuzz", labelsPath: "labels") else { return 0 }
    try? DatasetCheck.splits(train: set, test: set)
    for kind in [NetworkSpec.Kind.twoLayer, .cnn] {
        let spec = NetworkSpec(kind: kind, inputSize: set.inputSize, hiddenSizes: [4], outputSize: 10)
        if (try? DatasetCheck.check(set, fits: spec, name: "fuzz")) != nil {
            let x: Tensor<Float> = set.images([0], flatten: kind == .twoLayer)
            precondition(x.count == set.inputSize)
        }
    }
    return 0
}
