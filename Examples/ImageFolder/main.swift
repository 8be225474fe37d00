import Backprop
import Foundation

// Train SimpleConvNet (§7.5) on a folder of images: `image-folder-example DIR`, where DIR holds
// DIR/<class>/*.png|jpg (10% of each class held out for testing) or DIR/train/<class>/… and DIR/test/<class>/….
// Without DIR it first writes a small folder of its own: red and green squares and rings, 32×32 RGB.
let arguments = CommandLine.arguments.dropFirst()
let folderPath: String
var madeHere: String?
if let given = arguments.first {
    folderPath = given
} else {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("image-folder-example-\(getpid())").path
    try writeShapes(to: root, count: 240)
    (folderPath, madeHere) = (root, root)
}
defer { if let madeHere { try? FileManager.default.removeItem(atPath: madeHere) } }

// Read it: every image decoded once (on all cores), resized to 16×16, kept as bytes; class names from the folders.
let folder = try ImageFolder(path: folderPath, options: ImageFolderOptions(size: (height: 16, width: 16), testSplit: 0.25))
print("classes \(folder.classNames), \(folder.train.count) training and \(folder.test.count) test images of \(folder.train.imageShape)")

// The book's SimpleConvNet for C×H×W images and the folder's classes, trained with Adam for 10 epochs.
let configuration = TrainingConfiguration(model: .cnn, batchSize: 32, epochs: 10)
let spec = configuration.spec(inputSize: folder.train.inputSize, classes: folder.train.classes, imageShape: folder.train.imageShape)
let options = try configuration.options(trainingCount: folder.train.count)
let trainer = Trainer(network: Network<Float>(spec: spec, seed: 0), optimizer: options.optimizer.make(learningRate: options.learningRate),
                      options: options, train: folder.train, test: folder.test, flatten: false)
trainer.run(epochEnded: { record in
    print(String(format: "epoch %2.0f: loss %.3f, test accuracy %.3f", record.epoch, record.loss, record.testAccuracy))
})

// Classify the first test image by name.
let scores = trainer.network.predict(folder.test.images([0], flatten: false, as: Float.self))
let guess = scores.argmax(axis: 1).scalars[0]
print("first test image: \(folder.classNames[Int(guess)]) (truly \(folder.classNames[Int(folder.test.labels[0])]))")

/// Writes `count` images of 4 classes (red/green × square/ring) as PNG files under `root/<class>/`.
func writeShapes(to root: String, count: Int) throws {
    var rng = SeededGenerator(seed: 7)
    let names = ["red-square", "green-square", "red-ring", "green-ring"]
    for name in names { try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true) }
    for i in 0..<count {
        let (ring, green) = (i % 4 >= 2, i % 2 == 1)
        let radius = 6 + rng.nextIndex(below: 5)
        let cx = radius + 1 + rng.nextIndex(below: 30 - 2 * radius), cy = radius + 1 + rng.nextIndex(below: 30 - 2 * radius)
        var samples = (0..<(32 * 32 * 3)).map { _ in UInt8(rng.nextIndex(below: 40)) }
        for y in 0..<32 {
            for x in 0..<32 {
                let distance = Double((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot()
                let inside = ring ? abs(distance - Double(radius) + 1.25) <= 1.25
                                  : max(abs(x - cx), abs(y - cy)) <= radius * 3 / 4
                let p = 3 * (32 * y + x)
                if inside { (samples[p], samples[p + 1], samples[p + 2]) = (green ? 0 : 200, green ? 102 : 0, 0) }
            }
        }
        let png = try ImageFile.encodePNG(ImagePixels(width: 32, height: 32, channels: 3, samples: samples))
        try Data(png).write(to: URL(fileURLWithPath: "\(root)/\(names[i % 4])/\(String(format: "%04d", i)).png"))
    }
}
