import Foundation
import Testing

/// The longest line allowed in the package's Swift sources (issue 13, "Format and lint").
let maximumLineLength = 120

/// Every line of `text` longer than `limit`, as (line number, length). Length counts Unicode scalars (what
/// Python's `len` counts), so a character written with a combining mark counts as two.
func linesOver(_ limit: Int, in text: String) -> [(line: Int, length: Int)] {
    text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        .map { (line: $0.offset + 1, length: $0.element.count) }
        .filter { $0.length > limit }
}

@Suite struct FormatTests {
    @Test func linesOverTheLimitAreFoundAndCounted() {
        let text = "short\n" + String(repeating: "x", count: 121) + "\n" + String(repeating: "é", count: 120) + "\n"
        let over = linesOver(120, in: text)
        #expect(over.map(\.line) == [2])
        #expect(over.map(\.length) == [121])
        // A combining accent is a scalar of its own: e + U+0301 is two, as in Python.
        #expect(linesOver(120, in: String(repeating: "e\u{301}", count: 61)).map(\.length) == [122])
    }

    @Test func everySwiftLineFitsIn120Characters() throws {
        var long: [String] = []
        var files = 0
        for folder in ["Sources", "Tests", "Plugins"] {
            let root = packageRoot + "/" + folder
            let paths = try #require(FileManager.default.enumerator(atPath: root)?.allObjects as? [String])
            for path in paths.sorted() where path.hasSuffix(".swift") {
                let text = try String(contentsOfFile: root + "/" + path, encoding: .utf8)
                files += 1
                for (line, length) in linesOver(maximumLineLength, in: text) {
                    long.append("\(folder)/\(path):\(line) (\(length) characters)")
                }
            }
        }
        #expect(files > 20, "found only \(files) Swift files under \(packageRoot)")
        #expect(
            long.isEmpty,
            """
            \(long.count) line(s) over \(maximumLineLength) characters:
            \(long.joined(separator: "\n"))
            """)
    }
}
