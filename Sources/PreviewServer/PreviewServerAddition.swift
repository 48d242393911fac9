public import Hummingbird

/// What another module adds to a ``PreviewServer``: a route collection, which sits behind
/// the server's checks (``RequestGuard``), and a part of every document's page. `mdpreview`
/// adds the task routes and panel this way (`PreviewTasks`).
public struct PreviewServerAddition: Sendable {
    /// The routes, built at each ``PreviewServer/start()`` for the server's configuration.
    public var routes: @Sendable (PreviewServerConfiguration) -> RouteCollection<PreviewRequestContext>
    /// What the page shows of the addition.
    public var page: PagePart
    /// Ends what the addition runs; ``PreviewServer/shutDownAdditions()`` calls it.
    public var shutdown: @Sendable () -> Void

    /// An addition of `routes` and `page`, ended by `shutdown`.
    public init(
        routes: @escaping @Sendable (PreviewServerConfiguration) -> RouteCollection<PreviewRequestContext>,
        page: PagePart, shutdown: @escaping @Sendable () -> Void = {}
    ) {
        self.routes = routes
        self.page = page
        self.shutdown = shutdown
    }
}

/// A part of the live page: an element at the end of its body, CSS in its style element
/// and a script that runs after the page's own (both carry the page's nonce).
public struct PagePart: Sendable {
    /// The HTML of the element.
    public var element: String
    /// Its style.
    public var style: String
    /// Its script.
    public var script: String

    /// A part of `element`, `style` and `script`.
    public init(element: String, style: String, script: String) {
        self.element = element
        self.style = style
        self.script = script
    }
}
