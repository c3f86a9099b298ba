import Foundation

/// One rendered file of a figure: `name + fileSuffix`, drawn by gnuplot's `terminal`.
struct FigureRendering: Sendable {
    let format: String
    let fileSuffix: String
    let terminal: String
    /// Link text in the executed notebook.
    let label: String
}

/// PNG and SVG for screens; PDF at a journal's two-column width (7 in) and one-column width (3.5 in), with
/// fonts and lines scaled so the text is 9 pt and 8 pt when printed at that size.
let figureRenderings: [FigureRendering] = [
    FigureRendering(
        format: "png", fileSuffix: ".png",
        terminal: "pngcairo size 1200,800 enhanced font 'DejaVu Sans,16'", label: "PNG"),
    FigureRendering(
        format: "svg", fileSuffix: ".svg",
        terminal: "svg size 900,600 enhanced font 'DejaVu Sans,14' background rgb 'white'",
        label: "SVG"),
    FigureRendering(
        format: "pdf", fileSuffix: ".pdf",
        terminal: "pdfcairo size 7in,4.3in enhanced font 'DejaVu Sans,9' linewidth 0.8",
        label: "PDF (7 in, two columns)"),
    FigureRendering(
        format: "pdf", fileSuffix: "-1col.pdf",
        terminal: "pdfcairo size 3.5in,2.6in enhanced font 'DejaVu Sans,8' linewidth 0.5",
        label: "PDF (3.5 in, one column)")
]

/// The formats rendered, each once: png, svg, pdf.
let figureFormats = figureRenderings.map(\.format).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
