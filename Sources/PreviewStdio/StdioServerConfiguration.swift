public import MarkdownRenderer
public import PreviewEngine
public import PreviewProtocol
public import PreviewServer
public import SiteExport
public import TaskService

/// What a ``StdioServer`` does: the flags of `mdpreview stdio` as values.
public struct StdioServerConfiguration: Sendable {
    /// Longest accepted request line in bytes.
    public var maxLineBytes: Int
    /// From an edit until its version is autosaved.
    public var autosaveDelay: Duration
    /// When documents render.
    public var policy: RenderPolicyChoice
    /// Whether `stats` events follow renders (otherwise only `stats` requests get them).
    public var autoStats: Bool
    /// At shutdown, the longest wait for final renders and for the output to be read
    /// (saving comes first and is not limited).
    public var shutdownTimeout: Duration
    /// Where documents are parsed.
    public var isolation: RenderIsolation
    /// The live preview of the open documents (`--http`), if any.
    public var http: PreviewServerConfiguration?
    /// The live page's task service (exports).
    public var tasks: TaskServiceConfiguration
    /// How the live page's exports render their pages.
    public var exportRenderer: PageRenderer

    /// A configuration; the defaults are those of `mdpreview stdio` without flags, except
    /// that exports render in process.
    public init(
        maxLineBytes: Int = WireProtocol.defaultMaxLineLength, autosaveDelay: Duration = .seconds(1),
        policy: RenderPolicyChoice = .default, autoStats: Bool = false, shutdownTimeout: Duration = .seconds(5),
        isolation: RenderIsolation = .automatic, http: PreviewServerConfiguration? = nil,
        tasks: TaskServiceConfiguration = TaskServiceConfiguration(),
        exportRenderer: PageRenderer = .inProcess(options: RenderOptions(profile: .github))
    ) {
        self.maxLineBytes = maxLineBytes
        self.autosaveDelay = autosaveDelay
        self.policy = policy
        self.autoStats = autoStats
        self.shutdownTimeout = shutdownTimeout
        self.isolation = isolation
        self.http = http
        self.tasks = tasks
        self.exportRenderer = exportRenderer
    }

    /// The policy a `--policy` name means: adaptive, every-keystroke, fixed-300, zed-200.
    public static func policy(named name: String) -> RenderPolicyChoice? {
        switch name {
        case "adaptive": .default
        case "every-keystroke": .everyKeystroke
        case "fixed-300": .trailingDebounce(.milliseconds(300))
        case "zed-200": .debounceWithDirtyFlag(.milliseconds(200))
        default: nil
        }
    }
}
