import Backprop
import Foundation

extension PredictCommand {
    /// The (channels, height, width) the checkpoint's network takes: the image folder's shape it recorded
    /// (metadata `image_shape`), a convolutional network's input shape, else one channel of a square of
    /// `inputSize` pixels. Throws when the network takes no image.
    func imageShape(_ saved: CheckpointContents) throws -> [Int] {
        func refuse(_ reason: String) -> CheckpointError { CheckpointError.badMetadata(path: saved.path, key: "spec", reason: reason) }
        if let text = saved.file.metadata["image_shape"] {
            guard let shape = try? JSONDecoder().decode([Int].self, from: Data(text.utf8)), shape.count == 3,
                  shape[0] == 1 || shape[0] == 3, shape.allSatisfy({ $0 >= 1 && $0 <= TrainingConfiguration.maximumImageSide }),
                  shape.reduce(1, *) == saved.spec.inputSize else {
                throw CheckpointError.badMetadata(path: saved.path, key: "image_shape",
                                                  reason: "not (C, H, W) of the network's \(saved.spec.inputSize) inputs")
            }
            return shape
        }
        if saved.spec.kind.isConvolutional {
            let shape = saved.spec.imageShape
            guard shape.count == 3, shape[0] == 1 || shape[0] == 3 else {
                throw refuse("the network takes images of shape \(shape) (C, H, W); predict reads 1 or 3 channels")
            }
            return shape
        }
        let side = Int(Double(saved.spec.inputSize).squareRoot())
        guard side * side == saved.spec.inputSize else {
            throw refuse("the network takes \(saved.spec.inputSize) inputs, not a square image")
        }
        return [1, side, side]
    }

    /// The image at `path` as a one-image set of `shape` (C, H, W): gray images as before (luma, resized
    /// to the square), others with their channels converted and resized to H×W.
    func readImage(_ path: String, shape: [Int]) throws -> ImageSet {
        let (channels, rows, columns) = (shape[0], shape[1], shape[2])
        if channels == 1 && rows == columns {
            let image = try ImageFile.readGrayscale(path: path)
            let pixels = image.width == rows && image.height == rows
                ? image.pixels
                : ImageFile.resize(image.pixels, width: image.width, height: image.height, to: rows)
            return ImageSet(pixels: pixels, labels: [0], rows: rows, columns: rows)
        }
        let image = try ImageFile.readPixels(path: path).resized(height: rows, width: columns).converted(toChannels: channels)
        return ImageSet(pixels: image.planar, labels: [0], channels: channels, rows: rows, columns: columns)
    }
}
