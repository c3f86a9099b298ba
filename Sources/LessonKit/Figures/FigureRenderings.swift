import Foundation

/// One rendered file of a figure: `name + fileSuffix`, drawn by gnuplot's `terminal`.
struct FigureRendering: Sendable {
    let format: String
    let fileSuffix: String
    let terminal: String
    /// Link text in the executed notebook.
    let label: String
    /// Scale of every point (style.gp's `figure_ps`), so that markers suit the size.
    let pointScale: Double

    /// The `-e` arguments that make gnuplot draw this rendering into `output`.
    func gnuplotArguments(output: String) -> [String] {
        ["-e", "set terminal \(terminal)", "-e", "set output '\(output)'", "-e", "figure_ps = \(pointScale)"]
    }
}

/// Every size a figure is rendered at, stated once here (render.sh, the run and docs/FIGURES.md follow it):
/// PNG (1200×800 px) and SVG (900×600) for screens; PDF at a journal's two-column width (7 × 4.3 in, text 9 pt)
/// and one-column width (3.5 × 2.6 in, text 8 pt, thinner lines and smaller points); a 16:9 slide as PNG
/// (1920×1080 px, text large enough for a lecture hall). Every PDF embeds its one font family, DejaVu Sans.
let figureRenderings: [FigureRendering] = [
    FigureRendering(
        format: "png", fileSuffix: ".png",
        terminal: "pngcairo size 1200,800 enhanced font 'DejaVu Sans,16'", label: "PNG", pointScale: 1),
    FigureRendering(
        format: "svg", fileSuffix: ".svg",
        terminal: "svg size 900,600 enhanced font 'DejaVu Sans,14' background rgb 'white'",
        label: "SVG", pointScale: 1),
    FigureRendering(
        format: "pdf", fileSuffix: ".pdf",
        terminal: "pdfcairo size 7in,4.3in enhanced font 'DejaVu Sans,9' linewidth 0.8",
        label: "PDF (7 in, two columns)", pointScale: 0.7),
    FigureRendering(
        format: "pdf", fileSuffix: "-1col.pdf",
        terminal: "pdfcairo size 3.5in,2.6in enhanced font 'DejaVu Sans,7' linewidth 0.5",
        label: "PDF (3.5 in, one column)", pointScale: 0.4),
    FigureRendering(
        format: "png", fileSuffix: "-slide.png",
        terminal: "pngcairo size 1920,1080 enhanced font 'DejaVu Sans,26' linewidth 1.6",
        label: "slide (16:9 PNG)", pointScale: 1.6)
]

/// The formats rendered, each once: png, svg, pdf.
let figureFormats = figureRenderings.map(\.format).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
