// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropInterop", targets: ["BackpropInterop"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
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
        // Atomic loads, stores and adds for the worker pool.
        .target(name: "CAtomics"),
        .target(
            name: "Backprop",
            dependencies: [
                .target(name: "CBLAS", condition: .when(platforms: [.linux])),
                "CBackpropZlib",
                "CAtomics",
            ]
        ),
        // The book's pickles, NumPy .npy/.npz, architecture recognition, `backprop convert`.
        // Kept apart so that the core library does not depend on ZIPFoundation.
        .target(
            name: "BackpropInterop",
            dependencies: [
                "Backprop",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                "BackpropInterop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "BackpropTests",
            dependencies: ["Backprop"]
        ),
        .testTarget(
            name: "BackpropInteropTests",
            dependencies: ["Backprop", "BackpropInterop"],
            exclude: ["Python"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
