// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Data-parallel training over Open MPI (`mpirun -np N backprop train …`) is built only where Open MPI
/// is installed: where its pkg-config file `ompi.pc` is found (Debian: `libopenmpi-dev`). Elsewhere the
/// package builds and tests without it, and `backprop` refuses to run under mpirun. BACKPROP_MPI=0 or 1
/// overrides the search. (After installing Open MPI into an existing build, touch this file so that
/// SwiftPM reads it again.)
let openMPIFound: Bool = {
    if let choice = ProcessInfo.processInfo.environment["BACKPROP_MPI"] { return choice == "1" }
    var folders = (ProcessInfo.processInfo.environment["PKG_CONFIG_PATH"] ?? "").split(separator: ":").map(String.init)
    folders += ["/usr/lib/pkgconfig", "/usr/share/pkgconfig", "/usr/local/lib/pkgconfig", "/opt/homebrew/lib/pkgconfig"]
    folders += ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib")) ?? []).map { "/usr/lib/\($0)/pkgconfig" }
    return folders.contains { FileManager.default.fileExists(atPath: "\($0)/ompi.pc") }
}()

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropInterop", targets: ["BackpropInterop"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
        .executable(name: "custom-network-example", targets: ["CustomNetworkExample"]),
        .executable(name: "image-folder-example", targets: ["ImageFolderExample"]),
        .library(name: "BackpropONNX", targets: ["BackpropONNX"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target Backprop` (the catalog in Sources/Backprop/Backprop.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `backprop lab`'s local web server (no SwiftNIO).
        .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
        // CSV tables for `--data file.csv --target COLUMN` (quoting, embedded delimiters and newlines).
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
    ],
    targets: [
        // OpenBLAS's CBLAS interface (Linux). On macOS the library uses Accelerate instead.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        // zlib, to read gzip-compressed datasets. (Not named CZlib: ZIPFoundation's own zlib module has
        // that name, and two Clang modules of one name cannot be in one build.)
        .systemLibrary(
            name: "CBackpropZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // libpng, to read PNG images (Linux). Called only from CBackpropPNG, since libpng reports errors
        // by longjmp; on macOS PNG goes through ImageIO instead.
        .systemLibrary(
            name: "CLibPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .target(name: "CBackpropPNG", dependencies: [.target(name: "CLibPNG", condition: .when(platforms: [.linux]))]),
        // libjpeg-turbo, to read (and write) JPEG images in image-folder datasets (Linux). Called only
        // from CBackpropJPEG, since libjpeg reports errors by longjmp.
        .systemLibrary(
            name: "CLibJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]
        ),
        .target(name: "CBackpropJPEG", dependencies: [.target(name: "CLibJPEG", condition: .when(platforms: [.linux]))]),
        // Atomic loads, stores and adds for the worker pool.
        .target(name: "CAtomics"),
        // The library, in modules whose imports run one way: Runtime ← Core ← Training ← Charts ← Book ← Backprop.
        // What the kernels run on, below every tensor: threads, the worker pool, BLAS's threading, the
        // seeded random generator.
        .target(
            name: "BackpropRuntime",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                "CAtomics",
            ]
        ),
        // Tensor, Kernels, Layers, Networks: a network's forward and backward.
        .target(
            name: "BackpropCore",
            dependencies: [
                "BackpropRuntime",
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
            ]
        ),
        // The optimizers, data (IDX, images, batches), the Trainer, checkpoints, data-parallel steps, benchmarks.
        .target(
            name: "BackpropTraining",
            dependencies: [
                "BackpropCore",
                "CBackpropZlib",
                .target(name: "CBackpropPNG", condition: .when(platforms: [.linux])),
                .target(name: "CBackpropJPEG", condition: .when(platforms: [.linux])),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ]
        ),
        // SVG documents and charts, training curves and filter grids, computational-graph drawing.
        .target(name: "BackpropCharts", dependencies: ["BackpropCore", "BackpropTraining"]),
        // The book's experiments (`backprop book`) and worked examples.
        .target(name: "BackpropBook", dependencies: ["BackpropCore", "BackpropTraining", "BackpropCharts"]),
        // The umbrella: `import Backprop` re-exports the four modules above.
        .target(name: "Backprop", dependencies: ["BackpropRuntime", "BackpropCore", "BackpropTraining", "BackpropCharts", "BackpropBook"]),
        // The book's pickles, NumPy .npy/.npz, architecture recognition, `backprop convert`.
        // Kept apart so that the core library does not depend on ZIPFoundation.
        .target(
            name: "BackpropInterop",
            dependencies: [
                "Backprop",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // `backprop lab`: a local web page to step through §5's graphs and watch training. The page
        // (HTML/CSS/JS, no build step) is embedded in the binary. The only target that depends on FlyingFox.
        .target(
            name: "BackpropLab",
            dependencies: [
                "Backprop",
                .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            resources: [.embedInCode("Page/lab.html"), .embedInCode("Page/lab.css"), .embedInCode("Page/lab.js")]
        ),
        .executableTarget(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                "BackpropInterop",
                "BackpropONNX",
                "BackpropLab",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ] + (openMPIFound ? ["BackpropMPI"] : [])
        ),
        // The README's "Use it as a library": a network from layers, trained on your own arrays, saved,
        // loaded and used to predict. Built with the tests, which run it (Tests/BackpropTests/Examples).
        .executableTarget(
            name: "CustomNetworkExample",
            dependencies: ["Backprop"],
            path: "Examples/CustomNetwork"
        ),
        // Training SimpleConvNet on a folder of images (ImageFolder): the DocC article "Your own data".
        // Built with the tests, which run it (Tests/BackpropTests/Examples).
        .executableTarget(
            name: "ImageFolderExample",
            dependencies: ["Backprop"],
            path: "Examples/ImageFolder"
        ),
        // ONNX export of the book's networks; the only target that depends on protobuf.
        .target(
            name: "BackpropONNX",
            dependencies: [
                "Backprop",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // What more than one test target needs: running a program and measuring its peak memory.
        .target(name: "BackpropTestSupport", path: "Tests/Support"),
        .testTarget(
            name: "BackpropTests",
            dependencies: ["Backprop", "BackpropLab", "BackpropTestSupport"],
            exclude: ["Data/Python"],
            swiftSettings: openMPIFound ? [.define("BACKPROP_MPI")] : []
        ),
        .testTarget(
            name: "BackpropONNXTests",
            dependencies: ["Backprop", "BackpropONNX"],
            exclude: ["check_onnx.py"]
        ),
        .testTarget(
            name: "BackpropInteropTests",
            dependencies: ["Backprop", "BackpropInterop", "BackpropONNX", "BackpropTestSupport"],
            exclude: ["Python"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

if openMPIFound {
    package.targets += [
        // Open MPI, with the C shim for what Swift cannot import (MPI_COMM_WORLD, MPI_SUM, … are macros).
        .systemLibrary(
            name: "CBackpropMPI",
            pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        // `MPIRanks`: MPI_COMM_WORLD as Backprop's GradientReducer. The core library knows no MPI.
        .target(name: "BackpropMPI", dependencies: ["Backprop", "CBackpropMPI"]),
    ]
}
