import Foundation
import NeuroModel

/// run-info.json: what varies between runs of the same seeds (clock, host, threads), kept apart from
/// results.json so that results stay byte-identical.
struct RunInfo: Encodable {
    struct Seed: Encodable {
        let seed: UInt64
        let seconds: Double
        let timings: [String: String]
    }
    let command: [String]
    let started: String
    let host: [String: String]
    /// `--threads`: the spiking engine's threads.
    let threads: Int
    /// The threads OpenBLAS ran on (`blasThreadsPerRun`, whatever `--threads` says).
    let blasThreads: Int
    let blas: String
    var seeds: [Seed] = []
    /// For `lesson aggregate`: the folders merged.
    var aggregatedFrom: [String]?
    var timingNames: Set<String> { Set(seeds.flatMap(\.timings.keys)) }

    init(options: RunOptions, seeds: [UInt64]) {
        command = options.commandLine
        started = ISO8601DateFormatter().string(from: Date())
        let p = ProcessInfo.processInfo
        host = [
            "name": p.hostName, "os": p.operatingSystemVersionString, "cores": String(p.activeProcessorCount),
            "memory_gib": String(format: "%.1f", Double(p.physicalMemory) / 1_073_741_824)
        ]
        threads = options.threads
        blasThreads = blasThreadsPerRun
        blas = blasKernel
    }

    mutating func add(seed: UInt64, seconds: Double, timings: [String: String]) {
        seeds.append(Seed(seed: seed, seconds: (seconds * 1000).rounded() / 1000, timings: timings))
    }
    private enum CodingKeys: String, CodingKey {
        case command, started, host, threads, blasThreads, blas, seeds, aggregatedFrom
    }
}
