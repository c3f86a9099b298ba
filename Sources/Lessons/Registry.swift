import Foundation
import LessonKit

// The registry: every lesson, in teaching order, and where their notebooks are built into the program. The kit
// (LessonKit) names no lesson; the program gives it these.

/// Every lesson, in teaching order.
public let allLessons: [LessonDescriptor] = [
    lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08
]
.map { lesson in
    var l = lesson
    l.notebookBundle = lessonNotebooks
    return l
}

/// Finds a lesson by number (`4`, `04`) or by slug / id (`lif`, `01-lif`).
public func findLesson(_ key: String) throws -> LessonDescriptor { try findLesson(key, in: allLessons) }

/// The notebooks `lessons/NN-name.md`, bundled as this target's resources by the BundleNotebooks plugin.
let lessonNotebooks = NotebookBundle(name: "\(packageName)_Lessons.resources", find: notebookBundle)

/// This target's resource bundle. SwiftPM's `Bundle.module` looks beside the executable, then in the build
/// folder, and stops the program if both are missing; this checks first, so that a binary copied without its
/// bundle (after its build folder is gone) gets a one-line error instead.
@Sendable func notebookBundle() -> Bundle? {
    #if os(Linux)
        let beside = Bundle.main.bundleURL.appendingPathComponent("\(packageName)_Lessons.resources").path
        // The build folder Bundle.module falls back to lies under the package's .build (or a --scratch-path).
        let buildFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build").path
        guard FileManager.default.fileExists(atPath: beside) || FileManager.default.fileExists(atPath: buildFolder)
        else { return nil }
    #endif
    return Bundle.module
}
