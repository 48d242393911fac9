import ArgumentParser
import Foundation
import MarkdownRenderer

/// `mdpreview`: renders Markdown to HTML with GitHub Flavored Markdown.
@main
struct MDPreview: ParsableCommand {
    /// This release of mdpreview.
    static let version = "0.9.0"

    static let configuration = CommandConfiguration(
        commandName: "mdpreview",
        abstract: "Render Markdown to HTML (GitHub Flavored Markdown, libcmark-gfm).",
        version: "mdpreview \(version) (libcmark-gfm \(MarkdownRenderer.libraryVersion))",
        subcommands: [RenderCommand.self, ServeCommand.self, StdioCommand.self, ExportCommand.self, RenderWorkerCommand.self],
        defaultSubcommand: RenderCommand.self
    )

    /// Parses and runs the command line, after refusing a first word that names neither a
    /// command nor a file (without this, `mdpreview serv x.md` would try to render a file
    /// called `serv`).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let known = configuration.subcommands.map { $0._commandName } + ["help"]
        let listed = configuration.subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
        if let problem = UnknownCommand.problem(arguments: arguments, known: known, listed: listed) {
            FileHandle.standardError.write(Data((problem + "\n").utf8))
            Foundation.exit(64)
        }
        main(nil)
    }
}

/// The check of a command line's first word.
enum UnknownCommand {
    /// Why `arguments` cannot run, when its first word is neither one of the `known`
    /// commands, an option, `-` (standard input), nor an existing file; nil when it can.
    /// The message names the `listed` commands.
    static func problem(
        arguments: [String], known: [String], listed: [String],
        fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> String? {
        guard let first = arguments.first, first != "-", !first.hasPrefix("-"), !known.contains(first), !fileExists(first) else { return nil }
        return "mdpreview: unknown command ‘\(first)’, and no file of that name. Commands: \(listed.joined(separator: ", ")) (mdpreview FILE.md renders a file; mdpreview help COMMAND explains one)"
    }
}
