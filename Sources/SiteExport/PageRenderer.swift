public import MarkdownRenderer
public import RenderWorkers

/// How an export turns one Markdown file into an HTML fragment: in worker processes
/// with a deadline and a memory cap (a document that is slow to parse fails that page
/// only), or in this process.
public struct PageRenderer: Sendable {
    /// Renders a file's bytes (invalid UTF-8 and NUL become U+FFFD) or throws why not.
    public let render: @Sendable (_ markdown: [UInt8]) throws -> [UInt8]

    /// A renderer calling `render`.
    public init(_ render: @escaping @Sendable (_ markdown: [UInt8]) throws -> [UInt8]) {
        self.render = render
    }

    /// Renders in the worker processes of `workers`, within their limits.
    public static func workers(_ workers: RenderWorkerPool, options: RenderOptions) -> PageRenderer {
        PageRenderer { markdown in
            try markdown.withUnsafeBytes { bytes throws(RenderFailure) in try workers.renderUTF8(bytes, options: options) }
        }
    }

    /// Renders in this process, without limits.
    public static func inProcess(options: RenderOptions) -> PageRenderer {
        PageRenderer { markdown in MarkdownRenderer(options: options).renderUTF8(bytes: markdown) }
    }
}
