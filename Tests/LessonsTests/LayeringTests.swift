import Foundation
import Testing

@testable import LessonKit

/// The kit's folders are layered as docs/DEVELOPING.md lists them: each uses only the folders before it. The
/// compiler cannot see folders inside one module, so this test reads the sources: a name declared at the top of
/// a file in a later folder (a function, type, constant) may not appear in the code of an earlier folder.
@Suite struct LayeringTests {
    static let order = ["Base", "Claims", "Figures", "Notebook", "Lesson", "Outputs", "Reports", "Run", "CLI"]
    static let root = packageRoot + "/Sources/LessonKit"

    /// `text` without comments and string literals (whose words are not uses).
    static func code(_ text: String) -> String {
        var out = text
        for pattern in [#"(?s)""".*?""""#, #""(?:[^"\\\n]|\\.)*""#, #"//[^\n]*"#, #"(?s)/\*.*?\*/"#] {
            out = out.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        return out
    }

    /// The names declared at the top level (or as static members) of `text`, but private ones.
    static func declarations(_ text: String) -> Set<String> {
        let pattern =
            #"(?m)^(?:(?:public|package|internal|static|final|@\w+)\s+)*"#
            + #"(?:func|struct|enum|class|protocol|let|var|typealias|actor)\s+([A-Za-z_][A-Za-z0-9_]*)"#
        let regex = try? NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        return Set(
            (regex?.matches(in: text, range: range) ?? []).compactMap { m in
                Range(m.range(at: 1), in: text).map { String(text[$0]) }
            })
    }

    static func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []).filter {
            $0.hasSuffix(".swift")
        }.map { root + "/" + folder + "/" + $0 }
    }

    @Test func everyFolderUsesOnlyTheFoldersBeforeIt() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.root).filter { !$0.hasPrefix(".") }
        #expect(Set(folders) == Set(Self.order), "the kit's folders are \(folders.sorted()); update the order")
        var declaredIn: [String: Int] = [:]
        for (k, folder) in Self.order.enumerated() {
            for file in Self.files(folder) {
                for name in Self.declarations(try String(contentsOfFile: file, encoding: .utf8)) {
                    declaredIn[name] = min(declaredIn[name] ?? k, k)
                }
            }
        }
        #expect(declaredIn["format"] == 1 && declaredIn["writeCourseFolder"] == 8, "the reader finds declarations")
        var wrong: [String] = []
        for (k, folder) in Self.order.enumerated() {
            for file in Self.files(folder) {
                let words = Set(
                    Self.code(try String(contentsOfFile: file, encoding: .utf8))
                        .split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init))
                for w in words.sorted() where (declaredIn[w] ?? 0) > k {
                    wrong.append(
                        "\(folder)/\((file as NSString).lastPathComponent) uses \(w) of "
                            + Self.order[declaredIn[w] ?? 0])
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.joined(separator: "\n"))")
    }

    /// docs/DEVELOPING.md lists the folders in this order.
    @Test func theDocumentedOrderIsTheTestedOne() throws {
        let text = try String(contentsOfFile: packageRoot + "/docs/DEVELOPING.md", encoding: .utf8)
        let listed = text.split(separator: "\n").compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("  "), let slash = t.firstIndex(of: "/") else { return nil }
            let name = String(t[..<slash])
            return Self.order.contains(name) ? name : nil
        }
        #expect(listed == Self.order, "\(listed)")
    }
}
