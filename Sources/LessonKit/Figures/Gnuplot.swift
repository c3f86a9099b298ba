import Foundation

// gnuplot: finding it, the render script written beside the figures, rendering and checking its output.

/// Locates gnuplot on PATH.
public func findGnuplot() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/gnuplot"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

func renderScript() -> String {
    var lines = [
        "#!/bin/sh",
        "# Renders every figure under this folder: "
            + figureRenderings.map { "NAME\($0.fileSuffix) (\($0.label))" }.joined(separator: ", ")
            + ". Needs gnuplot (apt-get install gnuplot-nox).",
        "set -e", "cd \"$(dirname \"$0\")\"",
        "command -v gnuplot >/dev/null || { echo 'render.sh: gnuplot not found; install it with: "
            + "apt-get install gnuplot-nox' >&2; exit 1; }",
        "for gp in */*.gp; do", "  d=$(dirname \"$gp\"); n=$(basename \"$gp\" .gp)"
    ]
    for r in figureRenderings {
        lines.append(
            "  (cd \"$d\" && gnuplot -e \"set terminal \(r.terminal)\" -e \"figure_ps = \(r.pointScale)\" "
                + "-e \"set output '$n\(r.fileSuffix)'\" \"$n.gp\")")
    }
    lines += ["  echo \"rendered $d/$n\"", "done"]
    return lines.joined(separator: "\n") + "\n"
}

/// How long one gnuplot call may take before it is stopped (s): a figure renders in about a second; a script that
/// waits (an edited `pause`, a `system` call that hangs) must not hang the run.
public let defaultRenderTimeout = 120.0

/// Renders each figure to PNG, SVG and PDF with gnuplot (into a temporary name, then renamed). A call that has
/// not finished after `timeout` seconds is stopped and counts as a failure.
func renderFigures(
    _ figures: [Figure], in folder: String, gnuplot: String?, timeout: Double = defaultRenderTimeout
) -> ([String], String) {
    guard let gnuplot else {
        return (
            [],
            "gnuplot not found: figures written as scripts and data only; install gnuplot-nox and run sh "
                + "\((folder as NSString).deletingLastPathComponent)/render.sh"
        )
    }
    var failures: [String] = []
    var refused: [String] = []
    for f in figures {
        var script = f.scriptFile
        if let why = editedScriptProblem((folder as NSString).appendingPathComponent(script), figure: f) {
            // An edit outside the subset figures use is kept, not run; the runner's own version stands in for it.
            let own = newVersionPath(script)
            guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(own)) else {
                failures.append("\(script): not rendered, \(why)")
                continue
            }
            refused.append("\(script) (\(why))")
            script = own
        }
        for r in figureRenderings {
            let tmpPath = (folder as NSString).appendingPathComponent(temporaryName(for: f.name + r.fileSuffix))
            let finalPath = (folder as NSString).appendingPathComponent(f.name + r.fileSuffix)
            do {
                try runGnuplot(
                    gnuplot, in: folder,
                    arguments: r.gnuplotArguments(output: (tmpPath as NSString).lastPathComponent) + [script],
                    timeout: timeout)
                try installRenderedFigure(tmpPath, as: finalPath, format: r.format)
            } catch let e as LessonError {
                failures.append("\(f.name)\(r.fileSuffix): \(e.description)")
            } catch {
                failures.append("\(f.name)\(r.fileSuffix): cannot run \(gnuplot)")
            }
            unlink(tmpPath)
        }
    }
    let refusedNote =
        refused.isEmpty
        ? ""
        : "did not render your edited " + refused.joined(separator: ", ")
            + ", which a figure script may not do; the runner's version was rendered instead (render yours with "
            + "sh render.sh if you trust it)"
    if failures.isEmpty { return (figureFormats, refusedNote) }
    return (
        [],
        ([refusedNote] + ["gnuplot failed on " + failures.joined(separator: "; ")]).filter { !$0.isEmpty }
            .joined(separator: "; ")
    )
}

/// Runs gnuplot with `arguments` in `folder`, with no standard input (a `pause` does not wait for the
/// terminal), and waits at most `timeout` seconds; throws one line (gnuplot's last error line) when it fails or
/// does not finish in time (it is then killed). While it runs, a second Ctrl-C kills it with the run.
func runGnuplot(_ gnuplot: String, in folder: String, arguments: [String], timeout: Double) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: gnuplot)
    p.currentDirectoryURL = URL(fileURLWithPath: folder)
    p.arguments = arguments
    // Its messages go to a file, not a pipe: a pipe read to its end would wait as long as gnuplot does.
    let log = (folder as NSString).appendingPathComponent(temporaryName(for: "gnuplot-messages"))
    guard FileManager.default.createFile(atPath: log, contents: nil), let messages = FileHandle(forWritingAtPath: log)
    else { throw LessonError("cannot write \(log); check that the output folder is writable") }
    defer {
        try? messages.close()
        unlink(log)
    }
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    p.standardError = messages
    try p.run()
    setInterruptChild(p.processIdentifier)
    defer { setInterruptChild(0) }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        throw LessonError("gnuplot did not finish within \(format(timeout)) s and was stopped")
    }
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        let text = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
        let last = text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let why = last.map { String($0).trimmingCharacters(in: .whitespaces) }
        throw LessonError(why ?? "gnuplot exited with status \(p.terminationStatus)")
    }
}

/// Checks what gnuplot wrote to `tmp` (it exits 0 even when a write failed, e.g. on a full disk) and renames
/// it to `path`: the file must exist, be non-empty and look complete for its format (PNG: signature and IEND
/// chunk; PDF: header and %%EOF; SVG: an <svg> element closed at the end). Otherwise throws one line, and
/// nothing is left under the final name.
func installRenderedFigure(_ tmp: String, as path: String, format: String) throws {
    let name = (path as NSString).lastPathComponent
    guard let data = FileManager.default.contents(atPath: tmp) else {
        throw LessonError("gnuplot wrote no file (is the disk full or the folder not writable?)")
    }
    guard !data.isEmpty else { throw LessonError("gnuplot wrote an empty file (is the disk full?)") }
    guard figureLooksComplete(data, format: format) else {
        throw LessonError("gnuplot wrote an incomplete or damaged \(format.uppercased()) file (is the disk full?)")
    }
    guard rename(tmp, path) == 0 else {
        throw LessonError("cannot rename the rendered figure to \(name) (\(String(cString: strerror(errno))))")
    }
}

/// Whether `data` starts and ends as a complete file of `format` (png, pdf or svg) does.
func figureLooksComplete(_ data: Data, format: String) -> Bool {
    let head = [UInt8](data.prefix(8))
    let tail = String(decoding: data.suffix(1024), as: UTF8.self)
    switch format {
    case "png":
        return head == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
            && [UInt8](data.suffix(12)).dropFirst(4).prefix(4).elementsEqual(Array("IEND".utf8))
    case "pdf":
        return head.starts(with: Array("%PDF-".utf8)) && tail.contains("%%EOF")
    case "svg":
        let start = String(decoding: data.prefix(1024), as: UTF8.self)
        return start.contains("<svg") && tail.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>")
    default:
        return true
    }
}
