// swift-tools-version: 6.1
import PackageDescription

/// Settings shared by every target (Swift 6 language mode, with strict concurrency, is
/// the package default): existentials spelled `any`, imports internal unless `public`.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "PreviewEngine",
    products: [
        .library(name: "MarkdownRenderer", targets: ["MarkdownRenderer"]),
        .executable(name: "mdpreview", targets: ["mdpreview"]),
        .executable(name: "render-throughput", targets: ["RenderThroughput"]),
        .library(name: "ThreadPool", targets: ["ThreadPool"]),
        .library(name: "DocumentModel", targets: ["DocumentModel"]),
        .library(name: "AdaptiveDebouncer", targets: ["AdaptiveDebouncer"]),
        .executable(name: "pool-bench", targets: ["PoolBench"]),
        .library(name: "PreviewEngine", targets: ["PreviewEngine"]),
        .executable(name: "replay", targets: ["Replay"]),
        .executable(name: "render-isolation", targets: ["RenderIsolation"]),
        .executable(name: "event-encoding", targets: ["EventEncoding"]),
        .library(name: "PreviewProtocol", targets: ["PreviewProtocol"]),
        .library(name: "RenderWorkers", targets: ["RenderWorkers"]),
        .library(name: "IncrementalRender", targets: ["IncrementalRender"]),
        .library(name: "PreviewServer", targets: ["PreviewServer"]),
        .library(name: "PreviewStdio", targets: ["PreviewStdio"]),
        .library(name: "PreviewTasks", targets: ["PreviewTasks"]),
        .library(name: "TaskService", targets: ["TaskService"]),
        .library(name: "SiteExport", targets: ["SiteExport"]),
        .executable(name: "live-latency", targets: ["LiveLatency"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Default traits off: the server needs neither swift-configuration nor full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // libcmark-gfm and its extensions, from Debian's -dev packages.
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // libxml2's HTML parser, from Debian's -dev package: the github profile's sanitizer.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(name: "CHTMLParser", dependencies: ["CLibXML2"]),
        // OpenSSL's libcrypto, from Debian's -dev package: SHA-256 of edit traces.
        .systemLibrary(name: "COpenSSLCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Our math syntax extension for libcmark-gfm (the github profile), in C.
        .target(name: "CMarkMath", dependencies: ["CCmarkGFM"]),
        .target(
            name: "MarkdownRenderer",
            dependencies: ["CCmarkGFM", "CMarkMath", "CHTMLParser", "Primitives"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "mdpreview",
            dependencies: [
                "MarkdownRenderer", "PreviewEngine", "PreviewProtocol", "PreviewStdio", "DocumentModel", "RenderWorkers", "IncrementalRender", "PreviewServer", "PreviewTasks", "TaskService", "SiteExport", "Primitives",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["EditTraces", "MarkdownRenderer", "RenderWorkers", "Primitives"],
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
            dependencies: ["mdpreview", "MarkdownRenderer", "EditTraces", "DocumentModel", "Primitives", "PreviewEngine", "PreviewProtocol", "PreviewStdio", "RenderWorkers", "TestSupport"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RenderThroughput",
            dependencies: ["MarkdownRenderer", "CCmarkGFM", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/RenderThroughput",
            swiftSettings: strict
        ),

        // MARK: Primitives: the one lock type and the one instant type
        .target(name: "Primitives", dependencies: [], swiftSettings: strict),

        // MARK: ThreadPool (issue 3)
        .target(
            name: "ThreadPool",
            dependencies: [
                "Primitives",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ThreadPoolTests",
            dependencies: ["ThreadPool", "EditTraces", "TestSupport"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "PoolBench",
            dependencies: ["ThreadPool", "Primitives",
                           .product(name: "Histogram", package: "hdrhistogram-swift"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/PoolBench",
            swiftSettings: strict
        ),

        // MARK: DocumentModel, AdaptiveDebouncer, EditTraces (issue 4, first half)
        .target(
            name: "DocumentModel",
            dependencies: [.product(name: "_RopeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(
            name: "AdaptiveDebouncer",
            dependencies: [],
            swiftSettings: strict
        ),
        .target(
            name: "EditTraces",
            dependencies: ["StrictJSON", "COpenSSLCrypto"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DocumentModelTests",
            dependencies: ["DocumentModel", "EditTraces", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AdaptiveDebouncerTests",
            dependencies: ["AdaptiveDebouncer", "EditTraces", "TestSupport"],
            swiftSettings: strict
        ),

        // MARK: PreviewEngine (issue 4)
        .target(name: "Saving", dependencies: ["Primitives"], swiftSettings: strict),
        .target(
            name: "PreviewEngine",
            dependencies: ["MarkdownRenderer", "DocumentModel", "AdaptiveDebouncer", "ThreadPool", "Primitives", "RenderWorkers", "IncrementalRender", "Saving",
                           .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PreviewEngineTests",
            dependencies: ["PreviewEngine", "AdaptiveDebouncer", "DocumentModel", "MarkdownRenderer", "ThreadPool", "EditTraces", "Primitives", "RenderWorkers", "IncrementalRender", "Saving", "TestSupport"],
            swiftSettings: strict
        ),

        // MARK: replay benchmark (issue 6)
        .executableTarget(
            name: "Replay",
            dependencies: ["PreviewEngine", "EditTraces", "DocumentModel", "MarkdownRenderer", "ThreadPool", "Primitives", "RenderWorkers", "IncrementalRender",
                           .product(name: "Histogram", package: "hdrhistogram-swift"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/Replay",
            swiftSettings: strict
        ),

        .executableTarget(
            name: "EventEncoding",
            dependencies: ["PreviewProtocol", "MarkdownRenderer", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/EventEncoding",
            swiftSettings: strict
        ),

        // MARK: RenderWorkers (issue 11): parses in worker processes
        .target(name: "CProcessControl"),
        .target(name: "RenderWorkers", dependencies: ["MarkdownRenderer", "CProcessControl", "Primitives"], swiftSettings: strict),
        .testTarget(name: "RenderWorkersTests", dependencies: ["RenderWorkers", "MarkdownRenderer", "Primitives", "TestSupport"], swiftSettings: strict),

        .executableTarget(
            name: "RenderIsolation",
            dependencies: ["PreviewEngine", "RenderWorkers", "MarkdownRenderer", "DocumentModel", "Primitives", "EditTraces", "TestSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/RenderIsolation",
            swiftSettings: strict
        ),

        // MARK: IncrementalRender (issue 12): keyed blocks, window re-parses, patches
        .target(name: "IncrementalRender", dependencies: ["MarkdownRenderer", "DocumentModel"], swiftSettings: strict),
        .testTarget(name: "IncrementalRenderTests", dependencies: ["IncrementalRender", "MarkdownRenderer", "DocumentModel", "EditTraces", "TestSupport"], swiftSettings: strict),

        // MARK: PreviewStdio (issue 23): the edit protocol's server, on any byte transport
        .target(
            name: "PreviewStdio",
            dependencies: ["PreviewEngine", "PreviewProtocol", "PreviewServer", "IncrementalRender", "DocumentModel", "MarkdownRenderer",
                           "Primitives"],
            swiftSettings: strict
        ),

        // MARK: PreviewServer (issue 13): the live preview page over HTTP and SSE
        .target(
            name: "PreviewServer",
            dependencies: ["PreviewProtocol", "IncrementalRender", "MarkdownRenderer", "Primitives",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "DequeModule", package: "swift-collections")],
            exclude: ["Page"],   // the page's .js files, embedded by `./dev page-scripts`
            swiftSettings: strict
        ),
        // MARK: PreviewTasks (issue 23): the task routes and panel, an addition to the server
        .target(
            name: "PreviewTasks",
            dependencies: ["PreviewServer", "TaskService", "SiteExport", "Primitives",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            exclude: ["Page"],   // the panel's .js file, embedded by `./dev page-scripts`
            swiftSettings: strict
        ),
        .executableTarget(
            name: "LiveLatency",
            dependencies: ["PreviewServer", "PreviewEngine", "TestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/LiveLatency",
            swiftSettings: strict
        ),
        .testTarget(
            name: "PreviewServerTests",
            dependencies: ["PreviewServer", "PreviewTasks", "PreviewStdio", "PreviewEngine", "PreviewProtocol", "IncrementalRender", "MarkdownRenderer", "TestSupport",
                           "TaskService", "SiteExport", "ThreadPool", "Primitives"],
            swiftSettings: strict
        ),

        // MARK: PreviewProtocol (issue 5)
        // MARK: TaskService (issue 14)
        .target(name: "TaskService", dependencies: ["ThreadPool", "Primitives"], swiftSettings: strict),
        .testTarget(name: "TaskServiceTests", dependencies: ["TaskService", "ThreadPool", "Primitives", "TestSupport"], swiftSettings: strict),
        .target(name: "SiteExport", dependencies: ["TaskService", "MarkdownRenderer", "RenderWorkers", "CProcessControl"], swiftSettings: strict),
        .testTarget(name: "SiteExportTests", dependencies: ["SiteExport", "TaskService", "MarkdownRenderer", "RenderWorkers", "TestSupport", "ThreadPool", "Primitives"], swiftSettings: strict),

        .target(name: "PreviewProtocol", dependencies: ["DocumentModel", "MarkdownRenderer", "StrictJSON", "IncrementalRender"], swiftSettings: strict),
        // The strict JSON reader the protocol and the trace reader share.
        .target(name: "StrictJSON", dependencies: [], swiftSettings: strict),
        .testTarget(name: "PreviewProtocolTests", dependencies: ["PreviewProtocol", "DocumentModel", "MarkdownRenderer", "EditTraces", "IncrementalRender", "TestSupport"], swiftSettings: strict),
    ]
)
