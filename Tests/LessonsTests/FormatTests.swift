import Foundation
import Testing

/// The longest line allowed in the package's Swift sources, in UTF-8 bytes (issue 13, "Format and lint").
let maximumLineLength = 120

/// Every line of `text` longer than `limit`, as (line number, length). Length counts UTF-8 bytes, the strictest
/// common measure (what byte-oriented tools such as `awk length` under LC_ALL=C report), so a line that fits
/// here fits by every count: "é" counts 2, "→" counts 3.
func linesOver(_ limit: Int, in text: String) -> [(line: Int, length: Int)] {
    text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        .map { (line: $0.offset + 1, length: $0.element.count) }
        .filter { $0.length > limit }
}

@Suite struct FormatTests {
    @Test func linesOverTheLimitAreFoundAndCounted() {
        let text = "short\n" + String(repeating: "x", count: 121) + "\n" + String(repeating: "é", count: 60) + "\n"
        let over = linesOver(120, in: text)
        #expect(over.map(\.line) == [2])
        #expect(over.map(\.length) == [121])
        // Bytes, not characters: 61 × "é" (2 bytes each) is 122; 40 × "→" (3 bytes each) is exactly 120.
        #expect(linesOver(120, in: String(repeating: "é", count: 61)).map(\.length) == [122])
        #expect(linesOver(120, in: String(repeating: "→", count: 40)).isEmpty)
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
                    long.append("\(folder)/\(path):\(line) (\(length) bytes)")
                }
            }
        }
        #expect(files > 20, "found only \(files) Swift files under \(packageRoot)")
        #expect(
            long.isEmpty,
            """
            \(long.count) line(s) over \(maximumLineLength) bytes (UTF-8):
            \(long.joined(separator: "\n"))
            """)
    }
}
