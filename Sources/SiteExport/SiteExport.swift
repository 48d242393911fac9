public import TaskService

/// Exports a folder of Markdown to a static site, as a ``LongTask``: every Markdown
/// file becomes a page (the preview's CSS, its first heading as title, links between
/// Markdown files pointing at the pages), every other file is copied, and an index
/// lists the pages. See `Docs/TASKS.md`.
///
/// Everything is written into a temporary folder beside the destination, which replaces
/// the destination in one step at the end (``TaskProgressHandle/commit(_:)``): a
/// cancelled, failed, timed-out or killed export leaves the destination as it was. A
/// page that fails to render is listed in the result and left out, unless ``strict``,
/// which fails the whole export.
public struct SiteExport: LongTask {
    /// The checked folders.
    public let locations: ExportLocations
    /// How pages are rendered.
    public let renderer: PageRenderer
    /// Whether one failed page fails the export.
    public let strict: Bool
    /// The highlighter and math typesetter copied into the site.
    public let assets: SiteAssets

    /// An export of `locations` rendering with `renderer`.
    public init(locations: ExportLocations, renderer: PageRenderer, strict: Bool = false, assets: SiteAssets = .debian) {
        self.locations = locations
        self.renderer = renderer
        self.strict = strict
        self.assets = assets
    }

    /// `export`.
    public var kind: String { "export" }
    /// One export at a time per destination.
    public var exclusiveKey: String? { "export:" + locations.destination }
    /// The source and destination folders.
    public var parameters: [String: String] { ["source": locations.source, "destination": locations.destination] }

    /// Writes the site; see the type's description.
    public func execute(progress: TaskProgressHandle) throws -> ExportReport {
        progress.report(fraction: 0, message: "scanning \(locations.source)")
        let files = FileTree.files(under: locations.source)
        try progress.checkCancellation()
        let folder = try SiteFolder(for: locations)
        var committed = false
        defer { if !committed { folder.discard() } }

        let session = renderer.makeSession()
        defer { session.interrupt() }   // ends its workers
        progress.onStop(session.interrupt)
        var writer = SiteWriter(source: locations.source, folder: folder.path, assets: assets, render: session.render)
        let pageNames = Set(files.filter(\.isMarkdown).map { SiteWriter.pagePath(of: $0.relativePath) })
        for (number, file) in files.enumerated() {
            try progress.checkCancellation()
            try writer.add(file, pageNames: pageNames, strict: strict)
            progress.report(fraction: Double(number + 1) / Double(files.count + 1), message: "\(number + 1)/\(files.count) \(file.relativePath)")
        }
        let index = SiteIndex.fileName(avoiding: pageNames)
        try writer.writeAssets()
        try writer.writeIndex(named: index, title: (locations.source.split(separator: "/").last).map(String.init) ?? "Site")
        try writer.writeMarker()
        try progress.checkCancellation()
        progress.report(fraction: 1, message: "replacing \(locations.destination)")
        try progress.commit { try folder.replace() }
        committed = true
        return ExportReport(destination: locations.destination, index: index, pages: writer.pages.count,
                            assets: writer.assetCount, bytes: writer.bytes, failures: writer.failures)
    }
}
