import MarkdownRenderer
public import PreviewEngine
public import PreviewProtocol
public import PreviewServer

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
    /// What the live preview adds to its server (`mdpreview` adds the task routes and
    /// panel); shut down when the server finishes.
    public var httpAdditions: [PreviewServerAddition]

    /// A configuration; the defaults are those of `mdpreview stdio` without flags, except
    /// that the live preview has no additions.
    public init(
        maxLineBytes: Int = WireProtocol.defaultMaxLineLength, autosaveDelay: Duration = .seconds(1),
        policy: RenderPolicyChoice = .default, autoStats: Bool = false, shutdownTimeout: Duration = .seconds(5),
        isolation: RenderIsolation = .automatic, http: PreviewServerConfiguration? = nil,
        httpAdditions: [PreviewServerAddition] = []
    ) {
        self.maxLineBytes = maxLineBytes
        self.autosaveDelay = autosaveDelay
        self.policy = policy
        self.autoStats = autoStats
        self.shutdownTimeout = shutdownTimeout
        self.isolation = isolation
        self.http = http
        self.httpAdditions = httpAdditions
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
