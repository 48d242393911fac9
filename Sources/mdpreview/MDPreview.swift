import ArgumentParser

/// `mdpreview`: renders Markdown to HTML with GitHub Flavored Markdown.
@main
struct MDPreview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mdpreview",
        abstract: "Render Markdown to HTML (GitHub Flavored Markdown, libcmark-gfm).",
        subcommands: [RenderCommand.self, ServeCommand.self, StdioCommand.self, ExportCommand.self, RenderWorkerCommand.self],
        defaultSubcommand: RenderCommand.self
    )
}
