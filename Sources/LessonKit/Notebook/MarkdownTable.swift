import Foundation

/// A GitHub-flavoured Markdown table that a lesson records for its notebook: a header, then rows of cells.
/// Cells are escaped by `markdownTableCell`, so a lesson never builds table syntax in interpolated strings.
package struct MarkdownTable {
    var header: [String]
    var rows: [[String]] = []

    package init(_ header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }

    package mutating func append(_ cells: [String]) {
        precondition(
            header.isEmpty || cells.count == header.count,
            "MarkdownTable: a row of \(cells.count) cells under a header of \(header.count)")
        rows.append(cells)
    }

    /// The header line and its `|---|` rule.
    package var headerText: String {
        markdownTableRow(header) + "\n|" + String(repeating: "---|", count: header.count)
    }

    /// The rows only, one line each (for a notebook whose header is written in the Markdown itself).
    package var bodyText: String { rows.map(markdownTableRow).joined(separator: "\n") }

    /// Header, rule and rows.
    var text: String { rows.isEmpty ? headerText : headerText + "\n" + bodyText }
}
