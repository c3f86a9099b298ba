import Foundation
import PackagePlugin

/// Copies the lesson notebooks (`lessons/NN-name.md` at the package root) into the build, where SwiftPM bundles
/// them as resources of the target that uses this plugin. SwiftPM only takes resources from inside a target's
/// folder, and a symbolic link there is bundled as the link itself (dangling once installed), so the notebooks
/// are copied by a build command instead: editing a notebook, or adding one, is picked up by the next build.
@main struct BundleNotebooks: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "lessons")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".md") && $0.first?.isNumber == true }
            .sorted()
        let output = context.pluginWorkDirectoryURL.appending(path: "Notebooks")
        return names.map { name in
            .buildCommand(
                displayName: "Bundling notebook \(name)",
                executable: URL(fileURLWithPath: "/bin/cp"),
                arguments: [folder.appending(path: name).path, output.appending(path: name).path],
                inputFiles: [folder.appending(path: name)],
                outputFiles: [output.appending(path: name)])
        }
    }
}
