// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
        .executable(name: "custom-network-example", targets: ["CustomNetworkExample"]),
        .library(name: "BackpropONNX", targets: ["BackpropONNX"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target Backprop` (the catalog in Sources/Backprop/Backprop.docc).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // OpenBLAS's CBLAS interface (Linux). On macOS the library uses Accelerate instead.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        // zlib, to read gzip-compressed datasets.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Atomic loads, stores and adds for the worker pool.
        .target(name: "CAtomics"),
        .target(
            name: "Backprop",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                "CZlib",
                "CAtomics",
            ]
        ),
        .executableTarget(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The README's "Use it as a library": a network from layers, trained on your own arrays, saved,
        // loaded and used to predict. Built with the tests, which run it (Tests/BackpropTests/Examples).
        .executableTarget(
            name: "CustomNetworkExample",
            dependencies: ["Backprop"],
            path: "Examples/CustomNetwork"
        ),
        // ONNX export of the book's networks; the only target that depends on protobuf.
        .target(
            name: "BackpropONNX",
            dependencies: [
                "Backprop",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "BackpropTests",
            dependencies: ["Backprop"]
        ),
        .testTarget(
            name: "BackpropONNXTests",
            dependencies: ["Backprop", "BackpropONNX"],
            exclude: ["check_onnx.py"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
