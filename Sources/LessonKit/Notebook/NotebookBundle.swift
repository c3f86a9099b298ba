import Foundation

/// Where the notebooks built into the program are: a SwiftPM resource bundle of the target that holds them (the
/// `Lessons` target, whose BundleNotebooks plugin copies `lessons/*.md` into the build).
public struct NotebookBundle: Sendable {
    /// The bundle's folder as built beside the binary, e.g. `MicrocircuitLessons_Lessons.resources`.
    public let name: String
    /// The bundle, or nil when it cannot be found (a binary copied without it, its build folder gone).
    public let find: @Sendable () -> Bundle?

    public init(name: String, find: @escaping @Sendable () -> Bundle?) {
        self.name = name
        self.find = find
    }
}
