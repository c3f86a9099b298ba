import Foundation
import GnuplotPipe
import LessonKit
import NeuroModel

/// Live training curves drawn by a running gnuplot (`lesson N --live`, `--live-png FILE`), streamed through
/// gnuplot-iostream (the C++ target GnuplotPipe). The curves are a view only: the run's data files and scripts
/// stay its reproducible output.
///
/// Each curve is redrawn with all its points (epoch on x, test accuracy in % on y) at most once per
/// `minimumInterval` seconds, and always when the run finishes. In a terminal it draws with gnuplot's `dumb`
/// terminal on standard error (standard output keeps only results); as a PNG it writes a temporary file and
/// renames it from inside gnuplot, so the file is always a complete image.
///
///     let live = try GnuplotLive(gnuplot: "/usr/bin/gnuplot", target: .png("live.png"))
///     live.begin("lesson 3, seed 1")
///     live.add(curve: "bp", x: 1, y: 81.5)
///     _ = live.finish()
public final class GnuplotLive: LiveCurves, @unchecked Sendable {
    /// Where the curves are drawn.
    public enum Target: Equatable, Sendable {
        /// Text on standard error, `columns` × `rows` characters.
        case terminal(columns: Int, rows: Int)
        /// A PNG image at this path, replaced at each redraw.
        case png(String)
    }

    private let pipe: OpaquePointer
    private let target: Target
    private let minimumInterval: TimeInterval
    private var title = ""
    private var curves: [(name: String, x: [Double], y: [Double])] = []
    private var lastDraw = Date.distantPast
    private var pending = false
    private var anyPoint = false
    private var broken = false
    private let lock = NSLock()

    /// Starts `gnuplot`; throws one line when it cannot.
    public init(gnuplot: String, target: Target, minimumInterval: TimeInterval = 1) throws {
        let quoted = "'" + gnuplot.replacingOccurrences(of: "'", with: "'\\''") + "'"
        // gnuplot's own output (the dumb terminal, its messages) goes to standard error.
        guard let pipe = gp_open(quoted + " 1>&2") else {
            throw LessonError("--live: cannot start \(gnuplot); install gnuplot-nox or leave out --live")
        }
        self.pipe = pipe
        self.target = target
        self.minimumInterval = minimumInterval
        switch target {
        case .terminal(let columns, let rows):
            send("set terminal dumb size \(columns),\(rows)")
        case .png:
            send("set terminal pngcairo size 1000,620 enhanced font 'DejaVu Sans,13'")
        }
        send("set xlabel 'epoch'; set ylabel 'test accuracy (%)'; set key outside right; set grid")
        // Each learning rule in its colour and dashes from the figures (style.gp's line types).
        for line in ruleLinetypes().split(separator: "\n") where !line.hasPrefix("#") { send(String(line)) }
    }

    public func begin(_ title: String) {
        lock.withLock {
            self.title = title
            curves = []
            pending = false
        }
    }

    public func add(curve: String, x: Double, y: Double) {
        lock.withLock {
            anyPoint = true
            if let k = curves.firstIndex(where: { $0.name == curve }) {
                curves[k].x.append(x)
                curves[k].y.append(y)
            } else {
                curves.append((curve, [x], [y]))
            }
            pending = true
            if Date().timeIntervalSince(lastDraw) >= minimumInterval { draw() }
        }
    }

    public func finish() -> String? {
        lock.withLock {
            if pending { draw() }
            _ = gp_close(pipe)
            if broken { return "--live: gnuplot stopped during the run; the live curves are incomplete" }
            if !anyPoint { return "--live: this lesson draws no training curves (lessons 3, 6 and 7 do)" }
            if case .png(let path) = target { return "--live: the last curves are in \(path)" }
            return nil
        }
    }

    /// Draws every curve with the points received so far. Called with `lock` held.
    private func draw() {
        lastDraw = Date()
        pending = false
        // A curve is drawn from its second finite point on (one point has no range to scale an axis to).
        let drawable = curves.filter { $0.y.filter(\.isFinite).count >= 2 }
        guard !drawable.isEmpty else { return }
        send("set title '\(escaped(title))' noenhanced")
        if case .png(let path) = target { send("set output '\(escaped(temporaryPath(path)))'") }
        // Points would crowd a text plot: lines there, lines and points in the image.
        let style: String
        if case .png = target { style = "linespoints" } else { style = "lines" }
        let sources = drawable.map { c in
            let lineType = Rule(rawValue: c.name.lowercased()).map { " " + ruleStyle($0) } ?? ""
            return "'-' using 1:2 with \(style)\(lineType) title '\(escaped(c.name))' noenhanced"
        }
        send("plot " + sources.joined(separator: ", "))
        for c in drawable {
            let finite = zip(c.x, c.y).filter { $0.1.isFinite }
            let xs = finite.map(\.0)
            let ys = finite.map(\.1)
            if gp_send_xy(pipe, xs, ys, xs.count) != 0 { broken = true }
        }
        if case .png(let path) = target {
            // gnuplot closes the image on `unset output` and then renames it: a reader never sees half a PNG.
            send("unset output")
            send("system(\"mv -f '\(escaped(temporaryPath(path)))' '\(escaped(path))'\")")
        }
        if gp_flush(pipe) != 0 { broken = true }
    }

    private func send(_ line: String) {
        if gp_command(pipe, line) != 0 { broken = true }
    }

    private func temporaryPath(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".partial").path
    }

    /// Text inside a single-quoted gnuplot string (no quotes or backslashes of its own, no newlines).
    private func escaped(_ text: String) -> String {
        String(text.map { "'\\\n".contains($0) ? "_" : $0 })
    }
}
