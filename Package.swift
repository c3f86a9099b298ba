// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "MicrocircuitLessons",
    products: [
        .executable(name: "lesson", targets: ["lesson"]),
        .library(name: "NeuroModel", targets: ["NeuroModel"]),
        .library(name: "LessonKit", targets: ["LessonKit"]),
        .library(name: "Lessons", targets: ["Lessons"])
    ],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        // Markdown to HTML for each run's report.html.
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0")
    ],
    targets: [
        // System libraries: OpenBLAS (dense algebra) and zlib (gzip-compressed IDX files).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // glibc's malloc tuning (mallopt), so per-batch matrices are not mmapped afresh each time.
        .systemLibrary(name: "CSystem"),
        // Ctrl-C handling: a SIGINT handler in C, so that it uses only async-signal-safe calls.
        .target(name: "CInterrupt"),
        // The spiking circuit's forward phase per sample, in C so that it is vectorised for the processor it runs
        // on (AVX2 when present, chosen at run time) with the same arithmetic on every processor.
        .target(name: "CSpikingKernel"),
        // Model: neurons, synapses, networks, learning rules, microcircuit, datasets.
        .target(name: "NeuroModel", dependencies: ["CBLAS", "CZlib", "CSystem", "CSpikingKernel"]),
        // The kit: the machinery that runs lessons (notebooks, parameters, checks, seeds, run folders and locks,
        // outputs, figures, reports, Jupyter export, aggregation, command-line support). It names no lesson: it is
        // given the lessons' descriptors, and cannot see the Lessons target.
        .target(
            name: "LessonKit", dependencies: ["NeuroModel", "CInterrupt", .product(name: "Ink", package: "Ink")],
            plugins: ["ToolchainVersion"]),
        // Lessons: one folder per lesson and the registry. The notebooks in lessons/ are bundled as its resources
        // by the BundleNotebooks plugin (SwiftPM takes resources only from inside a target's folder; see
        // Plugins/BundleNotebooks), so an installed binary runs without the repository.
        .target(name: "Lessons", dependencies: ["LessonKit", "NeuroModel"], plugins: ["BundleNotebooks"]),
        .plugin(name: "BundleNotebooks", capability: .buildTool()),
        // Records the exact Swift toolchain that builds LessonKit (`swiftc --version`) for results.json.
        .plugin(name: "ToolchainVersion", capability: .buildTool()),
        // Live training curves (`--live`): a C interface over gnuplot-iostream (C++, Debian's
        // libgnuplot-iostream-dev over Boost), and the Swift plotter that streams to it.
        .target(
            name: "GnuplotPipe",
            linkerSettings: [
                .linkedLibrary("boost_iostreams"), .linkedLibrary("boost_filesystem"),
                .linkedLibrary("boost_system")
            ]),
        .target(name: "LivePlot", dependencies: ["LessonKit", "NeuroModel", "GnuplotPipe"]),
        // The command line (swift-argument-parser), and the thin executable that calls it.
        .target(
            name: "LessonCLI",
            dependencies: [
                "LessonKit", "Lessons", "LivePlot",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]),
        .executableTarget(name: "lesson", dependencies: ["LessonCLI"]),
        .executableTarget(name: "benchmark", dependencies: ["NeuroModel"], path: "Sources/benchmark"),
        .testTarget(
            name: "NeuroModelTests",
            dependencies: [
                "NeuroModel", .product(name: "PropertyBased", package: "swift-property-based")
            ]),
        .testTarget(
            name: "LessonsTests",
            dependencies: [
                "LessonKit", "Lessons", "LessonCLI", "LivePlot", "NeuroModel",
                .product(name: "PropertyBased", package: "swift-property-based")
            ])
    ],
    cxxLanguageStandard: .cxx14
)
