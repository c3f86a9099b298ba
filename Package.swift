// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "MicrocircuitLessons",
    products: [
        .executable(name: "lesson", targets: ["lesson"]),
        .library(name: "NeuroModel", targets: ["NeuroModel"]),
        .library(name: "Lessons", targets: ["Lessons"]),
    ],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        // Markdown to HTML for each run's report.html.
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
    ],
    targets: [
        // System libraries: OpenBLAS (dense algebra) and zlib (gzip-compressed IDX files).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's malloc tuning (mallopt), so per-batch matrices are not mmapped afresh each time.
        .systemLibrary(name: "CSystem"),
        // Ctrl-C handling: a SIGINT handler in C, so that it uses only async-signal-safe calls.
        .target(name: "CInterrupt"),
        // Model: neurons, synapses, networks, learning rules, microcircuit, datasets.
        .target(name: "NeuroModel", dependencies: ["CBLAS", "CZlib", "CSystem"]),
        // Lessons: every lesson plus the check / notebook / figure machinery. The notebooks in lessons/ are
        // bundled as its resources by the BundleNotebooks plugin (SwiftPM takes resources only from inside a
        // target's folder; see Plugins/BundleNotebooks), so an installed binary runs without the repository.
        .target(name: "Lessons", dependencies: ["NeuroModel", "CInterrupt", .product(name: "Ink", package: "Ink")],
                plugins: ["BundleNotebooks"]),
        .plugin(name: "BundleNotebooks", capability: .buildTool()),
        // The command line (swift-argument-parser), and the thin executable that calls it.
        .target(name: "LessonCLI", dependencies: [
            "Lessons", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "lesson", dependencies: ["LessonCLI"]),
        .executableTarget(name: "benchmark", dependencies: ["NeuroModel", "Lessons"], path: "Sources/benchmark"),
        .testTarget(name: "NeuroModelTests", dependencies: [
            "NeuroModel", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "LessonsTests", dependencies: [
            "Lessons", "LessonCLI", "NeuroModel", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
    ]
)
