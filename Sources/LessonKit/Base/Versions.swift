import Foundation

// The versions results.json records: the project's, the Swift compiler's and the source commit (by running git).

/// The commit of the source tree this build came from (`git rev-parse HEAD`, `+modified` when tracked files
/// differ), or "unknown" without git or outside a checkout.
let sourceCommit: String = {
    // This file is Sources/LessonKit/Outputs/Versions.swift: the package root is four levels up.
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url = url.deletingLastPathComponent() }
    let root = url.path
    func git(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", root] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard let head = git(["rev-parse", "HEAD"]), !head.isEmpty else { return "unknown" }
    let dirty = git(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty } ?? false
    return head + (dirty ? "+modified" : "")
}()

// Run orchestration: the options of a run, and running a lesson over its seeds into its output folder.

public let projectVersion = "0.1.0"

/// The Swift toolchain this program was built with, as `swiftc --version` said at build time (e.g. "Swift version
/// 6.3.1 (swift-6.3.1-RELEASE)"; recorded by the ToolchainVersion build plugin), not a range it might be in.
public func swiftCompilerVersion() -> String { buildToolchain }
