// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
        .library(name: "BackpropONNX", targets: ["BackpropONNX"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
