import Foundation

/// Where a run reads its lesson's notebook from. The rule (documented in lessons/README.md):
/// 1. `--lessons DIR` given: `DIR/NN-name.md`, nothing else.
/// 2. Run at the package root (a `Package.swift` of this package and `lessons/NN-name.md` in the working
///    directory): that working copy, so an edited notebook takes effect without a rebuild.
/// 3. Otherwise the copy bundled with the binary when it was built (`NotebookBundle`, given by the registry).
public struct NotebookLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Origin: Sendable, Equatable {
        case lessonsOption, workingCopy, bundled
    }

    public let path: String
    public let origin: Origin

    public var description: String {
        switch origin {
        case .lessonsOption: return "\(path) (from --lessons)"
        case .workingCopy: return "\(path) (the working copy: run from the package root)"
        case .bundled: return "the notebook bundled with this binary, \((path as NSString).lastPathComponent)"
        }
    }
}

/// The name of the package in Package.swift (how `isPackageRoot` knows the package root).
package let packageName = "MicrocircuitLessons"

/// Finds the notebook a run of `lesson` uses (see `NotebookLocation`). Throws a one-line error when the
/// named folder lacks the notebook or no bundled copy can be found.
public func locateNotebook(
    _ lesson: LessonDescriptor, lessonsDirectory: String?,
    workingDirectory: String = FileManager.default.currentDirectoryPath
)
    throws -> NotebookLocation
{
    let files = FileManager.default
    if let dir = lessonsDirectory {
        let path = (dir as NSString).appendingPathComponent(lesson.notebookFile)
        guard files.fileExists(atPath: path) else {
            throw LessonError(
                "no notebook \(lesson.notebookFile) in \(dir) (given with --lessons); copy it there "
                    + "from the repository's lessons/, or leave out --lessons to use the bundled one")
        }
        return NotebookLocation(path: path, origin: .lessonsOption)
    }
    let lessons = (workingDirectory as NSString).appendingPathComponent("lessons")
    let copy = (lessons as NSString).appendingPathComponent(lesson.notebookFile)
    if isPackageRoot(workingDirectory) && files.fileExists(atPath: copy) {
        return NotebookLocation(path: copy, origin: .workingCopy)
    }
    return NotebookLocation(path: try bundledNotebookPath(lesson), origin: .bundled)
}

/// True when `dir` holds this package's manifest.
func isPackageRoot(_ dir: String) -> Bool {
    let manifest = (dir as NSString).appendingPathComponent("Package.swift")
    guard let data = FileManager.default.contents(atPath: manifest) else { return false }
    return String(decoding: data, as: UTF8.self).contains("name: \"\(packageName)\"")
}

/// The path of `lesson`'s notebook in the resource bundle its registry names.
public func bundledNotebookPath(_ lesson: LessonDescriptor) throws -> String {
    let file = lesson.notebookFile
    guard let notebooks = lesson.notebookBundle, let bundle = notebooks.find() else {
        let beside = Bundle.main.bundleURL.path
        let name = lesson.notebookBundle?.name ?? "the notebook bundle"
        throw LessonError(
            "no bundled notebooks: copy \(name) (built beside the lesson "
                + "binary, e.g. in .build/release) into \(beside), or pass --lessons DIR")
    }
    let name = (file as NSString).deletingPathExtension
    guard let url = bundle.url(forResource: name, withExtension: "md") else {
        throw LessonError(
            "the notebook bundle \(bundle.bundlePath) lacks \(file): copy \(notebooks.name) from the "
                + "build folder (e.g. .build/release) beside the lesson binary, or pass --lessons DIR")
    }
    return url.path
}

/// `lesson params N`: every parameter with the value a run would use — the notebook actually read (see
/// `locateNotebook`), then `overrides` — with its help and admissible values. The first line names the notebook;
/// a value that differs from the bundled notebook's (the defaults) says so.
public func parameterListing(
    _ lesson: LessonDescriptor, lessonsDirectory: String?,
    overrides: [(String, String)] = []
) throws -> String {
    let location = try locateNotebook(lesson, lessonsDirectory: lessonsDirectory)
    let notebook = try Notebook.load(location.path)
    let values = try resolveParameters(
        specs: lesson.parameters, notebook: notebook.parameters,
        notebookName: lesson.notebookFile, overrides: overrides)
    let defaults = bundledDefaults(lesson, unless: location)
    let overridden = Set(overrides.map(\.0))
    let resolved = lesson.notes?(values) ?? [:]
    var out = ["Lesson \(lesson.number) parameters, from \(location):"]
    for p in lesson.parameters {
        let value = values.text(p.name)
        var notes: [String] = []
        if let note = resolved[p.name] { notes.append(note) }
        if overridden.contains(p.name) { notes.append("--set") }
        if let d = defaults?.text(p.name), d != value { notes.append("bundled default \(d)") }
        out.append("  \(p.name) = \(value)" + (notes.isEmpty ? "" : "  (" + notes.joined(separator: "; ") + ")"))
        out.append("      \(p.help); \(p.admissible)")
    }
    return out.joined(separator: "\n")
}

/// The bundled notebook's values (the defaults), or nil when `location` is that notebook, or no bundle is found,
/// or the bundle is out of date (a listing of the notebook actually used does not depend on it).
func bundledDefaults(_ lesson: LessonDescriptor, unless location: NotebookLocation) -> ParameterValues? {
    guard location.origin != .bundled, let path = try? bundledNotebookPath(lesson) else { return nil }
    return try? resolveParameters(
        specs: lesson.parameters, notebook: Notebook.load(path).parameters,
        notebookName: "bundled " + lesson.notebookFile, overrides: [])
}
