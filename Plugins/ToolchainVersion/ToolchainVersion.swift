import Foundation
import PackagePlugin

/// Records the exact toolchain that builds the target: the first line of `swiftc --version` (e.g. "Swift version
/// 6.3.1 (swift-6.3.1-RELEASE)") as the Swift constant `buildToolchain`, which results.json names. The command's
/// input is the compiler itself, so it runs again when the toolchain changes and not on every build.
@main struct ToolchainVersion: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let swiftc = try context.tool(named: "swiftc").url
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildToolchain.swift")
        // One line, with no character that could end the Swift string literal.
        let script = """
            v=$("$1" --version 2>/dev/null | head -n 1 | tr -cd 'A-Za-z0-9 ._()+:/-')
            printf '// Written by the ToolchainVersion plugin.\\nlet buildToolchain = "%s"\\n' "${v:-unknown}" > "$2"
            """
        return [
            .buildCommand(
                displayName: "Recording the Swift toolchain",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", swiftc.path, output.path],
                inputFiles: [swiftc],
                outputFiles: [output])
        ]
    }
}
