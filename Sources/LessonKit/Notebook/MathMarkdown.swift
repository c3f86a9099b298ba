import Foundation

// TeX math in Markdown, kept away from the Markdown parser. Ink knows no math: it would read the `_` and `*` of
// `$W_{kj} r_j^*$` as emphasis and pass a `<` through as a tag. `protectMath` therefore replaces every math span
// with a placeholder of letters and digits (which Markdown leaves alone) and escapes `&` and `<` in the prose
// around it; `restoreMath` puts each span back into the HTML, as an element the page's script typesets.

/// One math span of a Markdown text: its TeX (without the `$` delimiters) and whether it is displayed (`$$`).
struct MathSpan: Equatable {
    let tex: String
    let display: Bool
}

/// The Markdown with its math replaced by placeholders, and the spans in order (placeholder i is span i).
struct ProtectedMarkdown {
    let markdown: String
    let spans: [MathSpan]
    /// The placeholder prefix: `<prefix><i>Q`, absent from the original text.
    let prefix: String

    func placeholder(_ i: Int) -> String { "\(prefix)\(i)Q" }
}

/// Replaces the math of `markdown` (`$…$` inline, `$$…$$` displayed) with placeholders and escapes `&`, `<` and
/// a `_` inside a word outside code, so that Ink renders the prose and leaves the math for KaTeX. Code (fenced
/// blocks and backtick spans) is left exactly as written. Inline math follows Pandoc's rule: the opening `$` is
/// followed by a non-space, the closing `$` preceded by a non-space and not followed by a digit, and the span
/// does not cross a blank line; so "costs $5 and $6" stays text. `\$` is a literal dollar. In a table row a `|`
/// inside math is written `\|` (see `markdownTableCell`): there it is read back as `|`.
func protectMath(_ markdown: String) -> ProtectedMarkdown {
    var prefix = "ZqMath"
    while markdown.contains(prefix) { prefix += "q" }
    var out = ""
    var spans: [MathSpan] = []
    var prose: [String] = []
    func flushProse() {
        guard !prose.isEmpty else { return }
        protectProse(prose.joined(separator: "\n"), prefix: prefix, spans: &spans, into: &out)
        prose = []
    }
    var fence: String?
    var first = true
    for line in markdown.components(separatedBy: "\n") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if let open = fence {
            if !first { out += "\n" }
            out += line
            if trimmed.hasPrefix(open) && trimmed.allSatisfy({ String($0) == String(open.prefix(1)) }) {
                fence = nil
            }
        } else if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
            flushProse()
            if !first { out += "\n" }
            out += line
            fence = String(trimmed.prefix { $0 == trimmed.first })
        } else {
            if prose.isEmpty && !first { out += "\n" }
            prose.append(line)
        }
        first = false
    }
    flushProse()
    return ProtectedMarkdown(markdown: out, spans: spans, prefix: prefix)
}

/// Protects one stretch of prose (no fenced code in it); appends the result to `out`.
private func protectProse(_ text: String, prefix: String, spans: inout [MathSpan], into out: inout String) {
    let chars = Array(text)
    var i = 0
    var lineStart = 0
    func inTableRow(_ at: Int) -> Bool {
        var k = lineStart
        while k < at, chars[k] == " " || chars[k] == "\t" { k += 1 }
        return k < chars.count && chars[k] == "|"
    }
    func add(_ tex: String, display: Bool, tableRow: Bool) {
        var tex = tex
        if tableRow { tex = tex.replacingOccurrences(of: "\\|", with: "|") }
        tex = tex.replacingOccurrences(of: "\n", with: " ")
        out += "\(prefix)\(spans.count)Q"
        spans.append(MathSpan(tex: tex, display: display))
    }
    while i < chars.count {
        let c = chars[i]
        switch c {
        case "\n":
            out.append(c)
            i += 1
            lineStart = i
        case "`":
            var n = 0
            while i + n < chars.count && chars[i + n] == "`" { n += 1 }
            if let close = closingBackticks(chars, from: i + n, count: n) {
                out += String(chars[i..<(close + n)])
                i = close + n
            } else {
                out += String(chars[i..<(i + n)])
                i += n
            }
        case "\\":
            out.append(c)
            if i + 1 < chars.count {
                let next = chars[i + 1]
                out += next == "&" ? "&amp;" : next == "<" ? "&lt;" : String(next)
            }
            i += 2
        case "$":
            if i + 1 < chars.count && chars[i + 1] == "$", let close = closingDisplay(chars, from: i + 2) {
                add(String(chars[(i + 2)..<close]), display: true, tableRow: inTableRow(i))
                i = close + 2
            } else if let close = closingInline(chars, from: i + 1) {
                add(String(chars[(i + 1)..<close]), display: false, tableRow: inTableRow(i))
                i = close + 1
            } else {
                out.append(c)
                i += 1
            }
        case "&":
            out += "&amp;"
            i += 1
        case "<":
            out += "&lt;"
            i += 1
        case "_"
        where i > 0 && i + 1 < chars.count && isWordCharacter(chars[i - 1])
            && isWordCharacter(chars[i + 1]):
            out += "\\_"  // inside a word (`V_rest`): never emphasis in GitHub's Markdown, but it is in Ink's
            i += 1
        default:
            out.append(c)
            i += 1
        }
        // A span that crossed line ends leaves `lineStart` at the start of the line it began on; a table row
        // is one line, so that is right for the rows and harmless elsewhere.
    }
}

private func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber }

/// The index of the run of exactly `count` backticks closing a code span opened before `from`, or nil.
private func closingBackticks(_ chars: [Character], from: Int, count: Int) -> Int? {
    var k = from
    while k < chars.count {
        if chars[k] == "`" {
            var n = 0
            while k + n < chars.count && chars[k + n] == "`" { n += 1 }
            if n == count { return k }
            k += n
        } else {
            if chars[k] == "\n" && k + 1 < chars.count && chars[k + 1] == "\n" { return nil }
            k += 1
        }
    }
    return nil
}

/// The index of the `$$` closing displayed math whose TeX starts at `from`, or nil (none before a blank line).
private func closingDisplay(_ chars: [Character], from: Int) -> Int? {
    var k = from
    while k + 1 < chars.count {
        if chars[k] == "\\" {
            k += 2
            continue
        }
        if chars[k] == "\n" && chars[k + 1] == "\n" { return nil }
        if chars[k] == "$" && chars[k + 1] == "$" { return k > from ? k : nil }
        k += 1
    }
    return nil
}

/// The index of the `$` closing inline math whose TeX starts at `from`, or nil (Pandoc's rule, see
/// `protectMath`).
private func closingInline(_ chars: [Character], from: Int) -> Int? {
    guard from < chars.count, !chars[from].isWhitespace, chars[from] != "$" else { return nil }
    var k = from
    while k < chars.count {
        let c = chars[k]
        if c == "\\" {
            k += 2
            continue
        }
        if c == "\n" && k + 1 < chars.count && chars[k + 1] == "\n" { return nil }
        if c == "$" {
            let after = k + 1 < chars.count ? chars[k + 1] : " "
            if !chars[k - 1].isWhitespace && !after.isNumber { return k }
            return nil
        }
        k += 1
    }
    return nil
}

/// `markdown` with each soft line break inside a paragraph or list item replaced by a space, which is what it
/// means in Markdown. Ink ends a paragraph at a line that starts with `-`, `` ` `` or `#` and does not carry
/// emphasis across a line break in a list item; notebooks wrapped at 120 columns would otherwise render oddly.
/// Fenced code, table rows, headings, block quotes, list items, blank lines and hard breaks (a line ending in two
/// spaces or `\`) are kept as they are.
func joiningSoftBreaks(_ markdown: String) -> String {
    var lines: [String] = []
    var fence: Character?
    var joinable = false  // whether the last line is prose a following line may continue
    for line in markdown.components(separatedBy: "\n") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if let f = fence {
            lines.append(line)
            if trimmed.hasPrefix(String(repeating: f, count: 3)) && trimmed.allSatisfy({ $0 == f }) { fence = nil }
            joinable = false
            continue
        }
        if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
            fence = trimmed.first
            lines.append(line)
            joinable = false
            continue
        }
        if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("|") || trimmed.hasPrefix(">") {
            lines.append(line)  // a block quote's further lines start with `>` themselves
            joinable = false
            continue
        }
        if joinable, !startsListItem(trimmed), let last = lines.last {
            lines[lines.count - 1] = last + " " + trimmed
        } else {
            lines.append(line)
        }
        joinable = !(line.hasSuffix("  ") || line.hasSuffix("\\"))
    }
    return lines.joined(separator: "\n")
}

/// Whether a trimmed line starts a list item (`- `, `* `, `+ `, `1. `, `1) `) or is a thematic break.
private func startsListItem(_ trimmed: String) -> Bool {
    if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") || trimmed.hasPrefix("+ ") { return true }
    if trimmed.count >= 3, trimmed.allSatisfy({ $0 == "-" || $0 == "*" || $0 == "_" || $0 == " " }) { return true }
    let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, digits.count <= 9 else { return false }
    let rest = trimmed.dropFirst(digits.count)
    return rest.hasPrefix(". ") || rest.hasPrefix(") ")
}

/// `text` with `&`, `<`, `>` and `"` written as HTML entities.
func htmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}

/// The HTML Ink made from `protected.markdown`, with every placeholder replaced by its math: in the text as
/// `<span class="math inline">$…$</span>` (or `math display` with `$$…$$`), which the page's script typesets
/// and which reads as TeX source without it; inside a tag (an image's alt text) as the escaped TeX alone.
func restoreMath(_ html: String, _ protected: ProtectedMarkdown) -> String {
    guard !protected.spans.isEmpty else { return html }
    let prefix = Array(protected.prefix)
    let chars = Array(html)
    var out = ""
    out.reserveCapacity(html.count + protected.spans.reduce(0) { $0 + $1.tex.count + 40 })
    var inTag = false
    var i = 0
    while i < chars.count {
        let c = chars[i]
        if c == prefix[0], i + prefix.count < chars.count, Array(chars[i..<(i + prefix.count)]) == prefix {
            var k = i + prefix.count
            var digits = ""
            while k < chars.count, let d = chars[k].wholeNumberValue, chars[k].isASCII {
                digits += String(d)
                k += 1
            }
            if !digits.isEmpty, k < chars.count, chars[k] == "Q", let n = Int(digits), n < protected.spans.count {
                let span = protected.spans[n]
                let delimiter = span.display ? "$$" : "$"
                let source = htmlEscaped(delimiter + span.tex + delimiter)
                out +=
                    inTag
                    ? source
                    : "<span class=\"math \(span.display ? "display" : "inline")\">\(source)</span>"
                i = k + 1
                continue
            }
        }
        if c == "<" { inTag = true } else if c == ">" { inTag = false }
        out.append(c)
        i += 1
    }
    return out
}
