public import MarkdownRenderer
public import RenderWorkers

/// How an export turns Markdown files into HTML fragments: in worker processes with a
/// deadline and a memory cap (a document that is slow to parse fails that page only),
/// or in this process. Each export opens a ``Session`` of its own, which a cancel or a
/// timeout interrupts mid-render.
public struct PageRenderer: Sendable {
    /// One export's renders.
    public struct Session: Sendable {
        /// Renders a file's bytes (invalid UTF-8 and NUL become U+FFFD) or throws why not.
        public let render: @Sendable (_ markdown: [UInt8]) throws -> [UInt8]
        /// Makes a render in progress, and every later one, throw at once.
        public let interrupt: @Sendable () -> Void

        /// A session rendering with `render`, interrupted by `interrupt`.
        public init(render: @escaping @Sendable (_ markdown: [UInt8]) throws -> [UInt8], interrupt: @escaping @Sendable () -> Void) {
            self.render = render
            self.interrupt = interrupt
        }
    }

    /// Opens a session.
    public let makeSession: @Sendable () -> Session

    /// A renderer calling `render`, which nothing interrupts.
    public init(_ render: @escaping @Sendable (_ markdown: [UInt8]) throws -> [UInt8]) {
        makeSession = { Session(render: render, interrupt: {}) }
    }

    /// Renders in `workerCount` processes of `executable render-worker` within `limits`;
    /// each session has workers of its own, killed when it is interrupted or ends.
    public static func workers(executable: String, workerCount: Int, limits: RenderLimits, options: RenderOptions) -> PageRenderer {
        PageRenderer {
            let pool = RenderWorkerPool(executable: executable, workerCount: workerCount, limits: limits)
            return Session(
                render: { markdown in
                    try markdown.withUnsafeBytes { bytes throws(RenderFailure) in try pool.renderUTF8(bytes, options: options) }
                },
                interrupt: { pool.shutdown() }
            )
        }
    }

    /// Renders in this process, without limits.
    public static func inProcess(options: RenderOptions) -> PageRenderer {
        PageRenderer { markdown in MarkdownRenderer(options: options).renderUTF8(bytes: markdown) }
    }

    /// A renderer that opens its sessions with `makeSession`.
    public init(makeSession: @escaping @Sendable () -> Session) {
        self.makeSession = makeSession
    }
}
