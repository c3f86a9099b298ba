import Foundation

// What may reach a gnuplot script. A figure's plot commands travel in seed records (`seeds/seed-S.json`), which
// `lesson aggregate` and `--resume` read back and may come from someone else; gnuplot runs shell commands
// (`system`, backquotes, `!`, input pipes `'< cmd'`, `set output '| cmd'`). So every script is held to a closed
// subset of gnuplot before it is written or rendered, and free text (titles, claims, column names) only ever
// reaches a script inside a comment made safe by `gnuplotComment`. See docs/THREAT-MODEL.md.

/// Whether `name` may name a figure: one path component of `[A-Za-z0-9-]`, starting with a letter or digit, at
/// most 64 characters (it becomes `NAME.dat`, `NAME.gp`, `NAME.png` in the lesson's folder).
public func isSafeFigureName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 64 else { return false }
    func allowed(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
    return allowed(first) && name.unicodeScalars.allSatisfy { allowed($0) || $0 == "-" }
}

/// `text` made safe to stand after `#` on one line of a gnuplot script or data file: control characters (a
/// newline would end the comment and start a command) become spaces, backquotes become quotes, and a trailing
/// backslash (which would continue the comment onto the next line) is dropped.
public func gnuplotComment(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    for c in text.unicodeScalars {
        if c.properties.generalCategory == .control || c == "\u{2028}" || c == "\u{2029}" {
            scalars.append(" ")
        } else if c == "`" {
            scalars.append("'")
        } else {
            scalars.append(c)
        }
    }
    var out = String(scalars)
    while out.hasSuffix("\\") || out.hasSuffix(" ") { out.removeLast() }
    return out
}

/// Why `script` (a figure's plot commands) is not in the subset of gnuplot the runner writes, or nil when it is.
///
/// The subset: statements `set`/`unset` of a listed option, `plot` whose every element draws `DATA`, a number,
/// `NaN` or `x`, assignments and function definitions, `if`/`else` blocks. Refused anywhere: backquotes (command
/// substitution), `@` (macros), `!` starting a statement (shell), the commands and functions that run programs,
/// read or write files or wait (`system`, `load`, `call`, `eval`, `print`, `save`, `fit`, `stats`, `pause`, `cd`,
/// `set output`, `set print`, `set table`, `set terminal`, …), and any string that starts with `<` or `|` (a pipe).
public func figureScriptProblem(_ script: String) -> String? {
    for (number, line) in logicalLines(script) {
        if let why = lineProblem(line) { return "line \(number): \(why)" }
    }
    return nil
}

/// The set/unset options a figure script may use.
let allowedSetOptions: Set<String> = [
    "arrow", "autoscale", "bars", "bmargin", "border", "boxwidth", "cblabel", "cbrange", "cbtics", "clip",
    "colorbox", "datafile", "decimalsign", "encoding", "errorbars", "format", "grid", "jitter", "key", "label",
    "linetype", "lmargin", "log", "logscale", "lt", "margins", "minussign", "multiplot", "mx2tics", "mxtics",
    "my2tics", "mytics", "object", "offsets", "origin", "palette", "pointintervalbox", "pointsize", "rmargin",
    "samples", "size", "style", "tics", "title", "tmargin", "x2label", "x2range", "x2tics", "x2zeroaxis", "xlabel",
    "xrange", "xtics", "xzeroaxis", "y2label", "y2range", "y2tics", "y2zeroaxis", "ylabel", "yrange", "ytics",
    "yzeroaxis", "zeroaxis", "dashtype", "colorsequence"
]

/// Words that run programs, read or write files, or wait: refused wherever they stand outside a string.
let forbiddenWords: Set<String> = [
    "system", "eval", "evaluate", "load", "call", "exec", "shell", "cd", "save", "fit", "pause", "print",
    "printerr", "reread", "exit", "quit", "import", "history", "test", "bind", "toggle", "raise", "lower",
    "refresh", "replot", "stats", "splot", "output", "table", "terminal", "term", "loadpath", "fontpath", "psdir",
    "logfile", "file", "macros", "mouse"
]

/// A lexical token of one logical line.
private enum Token: Equatable {
    case word(String)
    case number
    case string(String)
    case symbol(Character)
}

/// The script's logical lines (a line ending in `\` continues on the next), numbered by their first line.
private func logicalLines(_ script: String) -> [(Int, String)] {
    var out: [(Int, String)] = []
    var current = ""
    var start = 0
    for (i, raw) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        if current.isEmpty { start = i + 1 }
        var line = String(raw)
        if line.hasSuffix("\r") { line.removeLast() }
        if line.hasSuffix("\\") {
            current += line.dropLast() + " "
            continue
        }
        out.append((start, current + line))
        current = ""
    }
    if !current.isEmpty { out.append((start, current)) }
    return out
}

/// The tokens of `line` up to a comment, or why it cannot be read.
private func lex(_ line: String) -> Result<[Token], ScriptRefusal> {
    var out: [Token] = []
    let chars = Array(line)
    var i = 0
    while i < chars.count {
        let c = chars[i]
        if c == "`" { return .failure(ScriptRefusal("a backquote (command substitution)")) }
        if c == "#" { break }
        if c == " " || c == "\t" {
            i += 1
        } else if c == "'" || c == "\"" {
            var text = ""
            var j = i + 1
            var closed = false
            while j < chars.count {
                if c == "'" && chars[j] == "'" {
                    if j + 1 < chars.count && chars[j + 1] == "'" {
                        text.append("'")
                        j += 2
                        continue
                    }
                    closed = true
                    break
                }
                if c == "\"" && chars[j] == "\\" && j + 1 < chars.count {
                    text.append(chars[j])
                    text.append(chars[j + 1])
                    j += 2
                    continue
                }
                if c == "\"" && chars[j] == "\"" {
                    closed = true
                    break
                }
                if chars[j] == "`" { return .failure(ScriptRefusal("a backquote (command substitution)")) }
                text.append(chars[j])
                j += 1
            }
            guard closed else { return .failure(ScriptRefusal("a string that is not closed")) }
            out.append(.string(text))
            i = j + 1
        } else if c.isLetter || c == "_" {
            var j = i
            while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
            out.append(.word(String(chars[i..<j])))
            i = j
        } else if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
            var j = i
            while j < chars.count
                && (chars[j].isNumber || chars[j] == "." || chars[j] == "e" || chars[j] == "E"
                    || ((chars[j] == "-" || chars[j] == "+") && j > i && (chars[j - 1] == "e" || chars[j - 1] == "E")))
            {
                j += 1
            }
            out.append(.number)
            i = j
        } else if c.isASCII && !c.isWhitespace && c.asciiValue.map({ $0 >= 0x21 && $0 < 0x7f }) == true {
            out.append(.symbol(c))
            i += 1
        } else {
            return .failure(ScriptRefusal("the character U+\(String(c.unicodeScalars.first?.value ?? 0, radix: 16))"))
        }
    }
    return .success(out)
}

private struct ScriptRefusal: Error {
    let why: String
    init(_ why: String) { self.why = why }
}

/// Why one logical line is refused, or nil.
private func lineProblem(_ line: String) -> String? {
    let tokens: [Token]
    switch lex(line) {
    case .success(let t): tokens = t
    case .failure(let e): return e.why
    }
    for t in tokens {
        switch t {
        case .word(let w) where forbiddenWords.contains(w.lowercased()):
            return "`\(w)` (figure scripts may not run programs, read or write files, or wait)"
        case .symbol("@"): return "`@` (macro substitution)"
        case .string(let s) where s.drop(while: { $0 == " " }).first.map({ $0 == "<" || $0 == "|" }) == true:
            return "a string starting with `\(s.drop(while: { $0 == " " }).prefix(1))` (a pipe to a command)"
        default: continue
        }
    }
    for statement in statements(tokens) {
        if let why = statementProblem(statement) { return why }
    }
    return nil
}

/// Splits tokens into statements at `;`, `{` and `}` outside brackets, and after an `if (…)` or `else` head.
private func statements(_ tokens: [Token]) -> [[Token]] {
    var out: [[Token]] = []
    var current: [Token] = []
    var depth = 0
    var i = 0
    func flush() {
        if !current.isEmpty { out.append(current) }
        current = []
    }
    while i < tokens.count {
        let t = tokens[i]
        if depth == 0, current.isEmpty, t == .word("if") || t == .word("else") {
            // Skip the head: `if (…)` or `else` (possibly `else if (…)`).
            i += 1
            if t == .word("if"), i < tokens.count, tokens[i] == .symbol("(") {
                i = afterBracket(tokens, from: i, open: "(", close: ")")
            }
            continue
        }
        switch t {
        case .symbol("("), .symbol("["): depth += 1
        case .symbol(")"), .symbol("]"): depth -= 1
        default: break
        }
        if depth == 0, t == .symbol(";") || t == .symbol("{") || t == .symbol("}") {
            flush()
        } else {
            current.append(t)
        }
        i += 1
    }
    flush()
    return out
}

/// Why one statement is refused, or nil.
private func statementProblem(_ s: [Token]) -> String? {
    guard case .word(let head)? = s.first else {
        if s.first == .symbol("!") { return "`!` (a shell command)" }
        return "a statement that does not start with a command"
    }
    switch head {
    case "set", "unset":
        guard s.count > 1, case .word(let option) = s[1] else { return "`\(head)` without an option" }
        return allowedSetOptions.contains(option) ? nil : "`\(head) \(option)` (not an option figures use)"
    case "plot":
        return plotProblem(Array(s.dropFirst()))
    default:
        // An assignment `name = …` or a function definition `name(args) = …`.
        if s.count > 1, s[1] == .symbol("="), s.count < 3 || s[2] != .symbol("=") { return nil }
        if s.count > 1, s[1] == .symbol("("), let close = s.firstIndex(of: .symbol(")")), close + 1 < s.count,
            s[close + 1] == .symbol("=")
        {
            return nil
        }
        return "`\(head)` (not a command figures use)"
    }
}

/// Why a plot command's elements are refused: each must draw `DATA`, a number, `NaN` or `x` (never a file
/// named by a string, which could be an input pipe).
private func plotProblem(_ s: [Token]) -> String? {
    var elements: [[Token]] = [[]]
    var depth = 0
    for t in s {
        switch t {
        case .symbol("("), .symbol("["): depth += 1
        case .symbol(")"), .symbol("]"): depth -= 1
        default: break
        }
        if depth == 0 && t == .symbol(",") {
            elements.append([])
        } else {
            elements[elements.count - 1].append(t)
        }
    }
    for e in elements {
        var i = 0
        // Leading ranges `[a:b]` and an iteration `for [i = 1:n]`.
        while i < e.count {
            if e[i] == .word("for") { i += 1 }
            guard i < e.count, e[i] == .symbol("[") else { break }
            i = afterBracket(e, from: i, open: "[", close: "]")
        }
        guard i < e.count else { return "a plot element that draws nothing" }
        switch e[i] {
        case .word("DATA"), .word("NaN"), .word("x"), .number: continue
        case .symbol("-") where i + 1 < e.count && e[i + 1] == .number: continue
        default: return "a plot element that draws something other than DATA, a number, NaN or x"
        }
    }
    return nil
}

/// A figure in a seed record that the runner would not have written (see `Figure.init(from:)`).
public struct FigureRefused: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The index after the bracket that closes the one opening at `start` (or the end, when it never closes).
private func afterBracket(_ tokens: [Token], from start: Int, open: Character, close: Character) -> Int {
    var i = start
    var level = 0
    repeat {
        if tokens[i] == .symbol(open) { level += 1 }
        if tokens[i] == .symbol(close) { level -= 1 }
        i += 1
    } while i < tokens.count && level > 0
    return i
}
