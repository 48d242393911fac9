// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every target: Swift 6 language mode is the package default;
/// strict memory-safety diagnostics stay on.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "PreviewEngine",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MarkdownRenderer", targets: ["MarkdownRenderer"]),
        .executable(name: "mdpreview", targets: ["mdpreview"]),
        .executable(name: "render-throughput", targets: ["RenderThroughput"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // libcmark-gfm and its extensions, from Debian's -dev packages.
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        .target(
            name: "MarkdownRenderer",
            dependencies: ["CCmarkGFM"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "mdpreview",
            dependencies: [
                "MarkdownRenderer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: [],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "MarkdownRendererTests",
            dependencies: ["MarkdownRenderer", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConformanceTests",
            dependencies: ["MarkdownRenderer", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MDPreviewTests",
            dependencies: ["mdpreview", "MarkdownRenderer", "TestSupport"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RenderThroughput",
            dependencies: ["MarkdownRenderer", "CCmarkGFM"],
            path: "Benchmarks/RenderThroughput",
            swiftSettings: strict
        ),
    ]
)
