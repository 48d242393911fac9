public import Primitives

/// How a ``PreviewServer`` listens and what it allows.
public struct PreviewServerConfiguration: Sendable {
    /// The loopback port; 0 picks a free one.
    public var port: Int
    /// The per-launch secret.
    public var token: AccessToken
    /// The largest request body accepted; larger ones get 413.
    public var maxRequestBodyBytes: Int
    /// How often an idle event stream gets a comment line, so proxies and browsers keep it.
    public var heartbeatInterval: Duration
    /// How long one event-stream response lasts before the server ends it; the browser
    /// reconnects with `Last-Event-ID` and resumes (bounds per-connection state, and
    /// refreshes connections that proxies would time out). nil: no limit.
    public var streamLifetime: Duration?
    /// The clock of heartbeats, stream lifetimes and the stop grace period (a manual
    /// clock in tests).
    public var clock: any PreviewClock
    /// Patches queued for one event-stream client before it is sent the latest snapshot
    /// instead (a client that stops reading costs at most this many patches).
    public var clientBacklogLimit: Int
    /// Patches kept per document for clients that reconnect with `Last-Event-ID`.
    public var resumablePatchLimit: Int
    /// highlight.js, served at `/assets/highlight.js` when the file exists.
    public var highlightScriptPath: String
    /// Its style sheets' folder (`github.css` and `github-dark.css` are used).
    public var highlightStylesFolder: String
    /// KaTeX's folder (`katex.min.js`, `katex.min.css`, `fonts/`), served under
    /// `/assets/katex/` when it exists; the page typesets math with it.
    public var katexFolder: String

    /// Loopback, a free port, a new token, 64 KiB bodies, a 15 s
    /// heartbeat, 10-minute streams, 64 queued patches per client, 256 resumable patches, Debian's
    /// highlight.js and KaTeX, the system's monotonic clock.
    public init(
        port: Int = 0, token: AccessToken = AccessToken(), maxRequestBodyBytes: Int = 64 * 1024,
        heartbeatInterval: Duration = .seconds(15), streamLifetime: Duration? = .seconds(600), clientBacklogLimit: Int = 64, resumablePatchLimit: Int = 256,
        highlightScriptPath: String = "/usr/share/javascript/highlight.js/highlight.min.js",
        highlightStylesFolder: String = "/usr/share/javascript/highlight.js/styles",
        katexFolder: String = "/usr/share/javascript/katex",
        clock: any PreviewClock = SystemClock()
    ) {
        self.clock = clock
        self.katexFolder = katexFolder
        self.port = port
        self.token = token
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.heartbeatInterval = heartbeatInterval
        self.streamLifetime = streamLifetime
        self.clientBacklogLimit = clientBacklogLimit
        self.resumablePatchLimit = resumablePatchLimit
        self.highlightScriptPath = highlightScriptPath
        self.highlightStylesFolder = highlightStylesFolder
    }
}
