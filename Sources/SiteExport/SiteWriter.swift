import MarkdownRenderer

/// Writes the files of one export into its temporary folder and keeps count.
struct SiteWriter {
    let source: String
    let folder: String
    let render: @Sendable ([UInt8]) throws -> [UInt8]
    let assets: SiteAssets
    private(set) var pages: [SiteIndex.Entry] = []
    private(set) var assetCount = 0
    private(set) var bytes = 0
    private(set) var failures: [ExportReport.Failure] = []

    init(source: String, folder: String, assets: SiteAssets, render: @escaping @Sendable ([UInt8]) throws -> [UInt8]) {
        self.source = source
        self.folder = folder
        self.assets = assets
        self.render = render
    }

    /// The page of a Markdown file: its path with `.html` for its extension.
    static func pagePath(of relativePath: String) -> String {
        guard let dot = relativePath.lastIndex(of: ".") else { return relativePath + ".html" }
        return relativePath[..<dot] + ".html"
    }

    /// The page a source file becomes, exactly as `mdpreview render --page --site-links
    /// FILE` writes it (run in the source folder): `title` is its front matter's title or
    /// first heading, else the file's relative path; its head loads `assets` from the
    /// site's root.
    static func page(fragment: [UInt8], relativePath: String, assets: SiteAssets) -> (html: String, title: String) {
        let body = SiteLinks.rewrite(String(decoding: fragment, as: UTF8.self))
        let title = HTMLPage.title(from: body) ?? relativePath
        return (HTMLPage.wrap(body: body, title: title, extraHead: assets.head(depth: SiteAssets.depth(of: relativePath))), title)
    }

    /// Copies the assets into the site.
    mutating func writeAssets() throws(SiteWriteError) {
        for file in assets.files() {
            try FileTree.makeParents(of: file.path, under: folder)
            try FileTree.write(file.bytes, to: folder + "/" + file.path)
            bytes += file.bytes.count
        }
    }

    /// Renders or copies `file`. A file that cannot be read or rendered is recorded as
    /// a failure, or throws when `strict`; a write failure (a full disk) always throws.
    mutating func add(_ file: FileTree.File, pageNames: Set<String>, strict: Bool) throws(SiteWriteError) {
        let output = file.isMarkdown ? Self.pagePath(of: file.relativePath) : file.relativePath
        if !file.isMarkdown && pageNames.contains(output) {
            return fail(file.relativePath, "has the name of the page of a Markdown file; not copied")
        }
        if output.hasPrefix(SiteAssets.folderName + "/") {
            return fail(file.relativePath, "is inside \(SiteAssets.folderName)/, the export's own assets; not copied")
        }
        let contents: [UInt8]
        switch FileTree.read(source + "/" + file.relativePath) {
        case .success(let bytes): contents = bytes
        case .failure(let error): return try failOrThrow(file.relativePath, String(describing: error), strict: strict)
        }
        let written: [UInt8]
        if file.isMarkdown {
            let fragment: [UInt8]
            do {
                fragment = try render(contents)
            } catch {
                return try failOrThrow(file.relativePath, String(describing: error), strict: strict)
            }
            let page = Self.page(fragment: fragment, relativePath: file.relativePath, assets: assets)
            written = Array(page.html.utf8)
            pages.append(SiteIndex.Entry(path: output, title: page.title))
        } else {
            written = contents
            assetCount += 1
        }
        try FileTree.makeParents(of: output, under: folder)
        try FileTree.write(written, to: folder + "/" + output)
        bytes += written.count
    }

    mutating func writeIndex(named name: String, title: String) throws(SiteWriteError) {
        let page = Array(SiteIndex.page(title: title, entries: pages, failures: failures).utf8)
        try FileTree.write(page, to: folder + "/" + name)
        bytes += page.count
    }

    func writeMarker() throws(SiteWriteError) {
        try FileTree.write(Array("mdpreview export of \(source)\n".utf8), to: folder + "/" + SiteFolder.markerName)
    }

    private mutating func failOrThrow(_ file: String, _ reason: String, strict: Bool) throws(SiteWriteError) {
        if strict { throw .pageFailed(file, reason) }
        fail(file, reason)
    }

    private mutating func fail(_ file: String, _ reason: String) {
        failures.append(ExportReport.Failure(file: file, error: reason))
    }
}
